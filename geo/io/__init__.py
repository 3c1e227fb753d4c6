"""Getting data in: reading files, mapping columns, parsing values, importing into the workspace store.

Modules, one concern each:

* :mod:`geo.io.readers`: any table a planner brings (CSV, XLSX, GeoJSON, GeoPackage, Shapefile, KML);
* :mod:`geo.io.mapping`: which column is which field;
* :mod:`geo.io.parsed`: what a column parser returns (:class:`~geo.io.parsed.Parsed`);
* :mod:`geo.io.numbers`, :mod:`geo.io.dates` (with :mod:`geo.io.date_formats`) and
  :mod:`geo.io.points`: the column parsers;
* :mod:`geo.io.categories`: offence labels to the schema's categories;
* :mod:`geo.io.importer`: every row of a file accepted, repaired or rejected;
* :mod:`geo.io.store`: the GeoPackage workspace.

Import from the modules; the package itself imports nothing, so reading a
workspace does not load the parsers.
"""
