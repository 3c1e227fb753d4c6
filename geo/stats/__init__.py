"""Statistics of incidents.

Modules, one concern each:

* :mod:`geo.stats.density`: kernel density surfaces;
* :mod:`geo.stats.lattice`: square and hexagonal cell grids;
* :mod:`geo.stats.gistar`: the Gi* statistic on a lattice;
* :mod:`geo.stats.hotspots`: Optimized-Hot-Spot defaults and the incidents-to-hot-spots adapter;
* :mod:`geo.stats.rates`: counts and rates per unit;
* :mod:`geo.stats.areas`: smoothed rates and local clusters (LISA) of units;
* :mod:`geo.stats.temporal`: hour, weekday and month patterns.

Import from the modules; the package itself imports nothing, so a density
surface does not load esda or libpysal.
"""
