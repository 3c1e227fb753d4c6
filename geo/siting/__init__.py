"""Where to put new police posts, patrol points or cameras: maximal covering, set covering and p-median.

Three classic location models on incident demand, each solved to proven
optimality (or to a reported gap at the time limit): MCLP (``k`` new sites
covering the most weighted demand), LSCP (the fewest new sites covering
everything coverable, or a share of it) and the p-median (``p`` new sites
making the weighted distance to the nearest open site smallest). Existing
sites are ordinary candidate columns named by ``existing``: always open,
never counted in ``k`` or ``p``, never reported as new.

The package, one concern a module:

- :mod:`~geo.siting.result`: :class:`SitingResult`, tolerances, input checks;
- :mod:`~geo.siting.covering`: :func:`coverage_matrix`, :func:`mclp_from_coverage`,
  :func:`marginal_gains`, :func:`lscp_from_coverage` (a sparse coverage matrix);
- :mod:`~geo.siting.pmedian`: :func:`pmedian_from_cost` (a cost matrix);
- :mod:`~geo.siting.pmedian_lagrange`: its exact solve, Lagrangian branch and bound with reduced-cost fixing;
- :mod:`~geo.siting.presolve`: the exact reductions and the greedy start;
- :mod:`~geo.siting.benders`: the MCLP solve (Benders decomposition, or the full LP by interior point on
  city grids), with reduced-cost fixing;
- :mod:`~geo.siting.mclp_search`: the swap local search of the MCLP start;
- :mod:`~geo.siting.mclp_lns`: region re-solves (large-neighbourhood search) for city-scale MCLP;
- :mod:`~geo.siting.mip`: the HiGHS and CBC back-ends;
- :mod:`~geo.siting.candidates`: :func:`grid_candidates`, :func:`road_intersections`,
  :func:`along_roads`;
- :mod:`~geo.siting.adapter`: :func:`site`, from incident, candidate and station layers,
  covering within a straight-line radius or a drive time over roads;
- :mod:`~geo.siting.compare`: today against a proposal.

Why hand-written rather than ``spopt.locate``: spopt spends most of its time
building its PuLP model in Python (15.5 s for 200 candidates x 5,000 demand
points, some 320 s at 1,000 x 20,000), solves with CBC by default, applies no
reductions and no warm start, and its ``predefined_facilities_arr`` mixes the
existing sites into the solution it reports. Here models are built as numpy
arrays and handed to HiGHS (highspy) in bulk, after reductions that keep the
optimum exactly. When all weights (and p-median costs) are whole numbers, the
objective is a whole number and a bound less than 1 away proves optimality:
HiGHS is told so (``mip_abs_gap``), and the bound reported is rounded
accordingly.
"""

from __future__ import annotations

from geo.siting.adapter import site
from geo.siting.candidates import MAX_GRID_POINTS, ROAD_GRID, along_roads, grid_candidates, road_intersections
from geo.siting.covering import coverage_matrix, lscp_from_coverage, marginal_gains, mclp_from_coverage
from geo.siting.pmedian import PMEDIAN_MAX_PAIRS, SWAP_MAX_WORK, pmedian_from_cost
from geo.siting.presolve import DOMINANCE_MAX_CANDIDATES, DOMINANCE_MAX_WORK
from geo.siting.result import INT_TOL, MODELS, RADIUS_TOLERANCE, SOLVERS, SitingResult

__all__ = [
    "DOMINANCE_MAX_CANDIDATES",
    "DOMINANCE_MAX_WORK",
    "INT_TOL",
    "MAX_GRID_POINTS",
    "MODELS",
    "PMEDIAN_MAX_PAIRS",
    "RADIUS_TOLERANCE",
    "ROAD_GRID",
    "SOLVERS",
    "SWAP_MAX_WORK",
    "SitingResult",
    "along_roads",
    "coverage_matrix",
    "grid_candidates",
    "lscp_from_coverage",
    "marginal_gains",
    "mclp_from_coverage",
    "pmedian_from_cost",
    "road_intersections",
    "site",
]
