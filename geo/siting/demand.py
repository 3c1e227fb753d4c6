"""What new sites should cover: incidents, residents, any weighted points, or incidents and residents together.

The models (:mod:`geo.siting.covering`, :mod:`geo.siting.pmedian`) take demand points with a weight; this
module makes them from what a planner has:

- **incidents**: each weighs its category's weight (the Planner's, default 1);
- **residents**: the settlements' population spread over their road density (the dasymetric surface of
  :func:`geo.stats.population.population_surface`, the one the coverage counts residents on), one point per
  piece of a cell, weighing its residents;
- **points**: any point layer with a weight column of any name (a population grid, schools, bus stops),
  no dates or categories needed;
- **mixed**: incidents and residents in one objective. Their totals differ by orders of magnitude (a
  district's 3,000 incidents, its 230,000 residents), so each is first made a share of its own total: the
  objective is ``s * (share of incidents covered) + (1 - s) * (share of residents covered)``, ``s`` given.
  A site that covers 1% of the incidents is worth as much as one that covers 1% of the residents when
  ``s = 0.5``. :func:`objective_text` says so in plain words for the page and the pack.

Every function returns points with a ``weight`` column in a metric or the input's CRS, ready for
:func:`geo.siting.site` with ``weight="weight"``.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import messages as M
from geo.i18n import Tr
from geo.stats.population import PopulationSurface

__all__ = ["DEMANDS", "incident_demand", "mixed_demand", "objective_text", "point_demand", "resident_demand"]

DEMANDS = ("incidents", "residents", "points", "mixed")


def incident_demand(incidents: gpd.GeoDataFrame, *, category_weights: Mapping[str, float] | None = None
                    ) -> gpd.GeoDataFrame:
    """Incidents as demand: ``weight`` is their category's weight (1 for a category not named)."""
    out = gpd.GeoDataFrame(geometry=incidents.geometry.to_numpy(), crs=incidents.crs)
    if category_weights and "category" in incidents:
        out["weight"] = incidents["category"].astype(str).map(lambda c: float(category_weights.get(c, 1.0))).to_numpy()
    else:
        out["weight"] = 1.0
    return out[out["weight"] > 0].reset_index(drop=True)


def resident_demand(surface: PopulationSurface) -> gpd.GeoDataFrame:
    """The residents of a population surface as demand: one point per piece of a cell (a representative point
    inside it, so a piece on a settlement's edge stays in its settlement), weighing its residents."""
    pieces = surface.pieces
    pieces = pieces[pd.to_numeric(pieces["residents"], errors="coerce").fillna(0) > 0]
    return gpd.GeoDataFrame({"weight": pieces["residents"].astype(float).to_numpy()},
                            geometry=pieces.geometry.representative_point().to_numpy(), crs=surface.crs)


def point_demand(points: gpd.GeoDataFrame, *, weight: str | None = None, source: str = "the points"
                 ) -> gpd.GeoDataFrame:
    """Any point layer as demand: ``weight`` from the column ``weight`` (1 each without one).

    Raises
    ------
    ValueError
        ``weight`` names no column, or a row's weight is not a number of 0 or more (the rows named).
    """
    if weight is None:
        w = np.ones(len(points))
    else:
        if weight not in points:
            msg = M.DEMAND_NO_WEIGHT.format(file=source, column=repr(weight),
                                            columns=", ".join(map(str, points.columns)))
            raise ValueError(msg)
        col = points[weight]
        values = pd.to_numeric(col.astype("string").str.replace(",", ".", regex=False).str.strip(), errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            rows = ", ".join(str(r) for r in list(points.index[bad.to_numpy()])[:5])
            more = f" … (+{int(bad.sum()) - 5})" if bad.sum() > 5 else ""
            msg = M.DEMAND_BAD_WEIGHT.format(file=source, column=repr(weight), rows=rows + more)
            raise ValueError(msg)
        w = values.to_numpy(dtype=float)
    out = gpd.GeoDataFrame({"weight": w}, geometry=points.geometry.to_numpy(), crs=points.crs)
    return out[out["weight"] > 0].reset_index(drop=True)


def mixed_demand(incidents: gpd.GeoDataFrame, residents: gpd.GeoDataFrame, *, incident_share: float
                 ) -> gpd.GeoDataFrame:
    """Incidents and residents in one objective, each a share of its own total (see the module docstring).

    Parameters
    ----------
    incidents, residents : geopandas.GeoDataFrame
        Demand points with ``weight`` (:func:`incident_demand`, :func:`resident_demand`).
    incident_share : float
        ``s`` in [0, 1]: the incidents' part of the objective; the residents' is ``1 - s``.

    Returns
    -------
    geopandas.GeoDataFrame
        Both, in the incidents' CRS, with ``weight`` summing to 1 and ``kind`` ("incidents" or "residents").
    """
    s = float(incident_share)
    if not 0.0 <= s <= 1.0:
        msg = M.DEMAND_SHARE.format(share=repr(incident_share))
        raise ValueError(msg)
    parts = []
    for kind, frame, part in (("incidents", incidents, s), ("residents", residents, 1.0 - s)):
        total = float(frame["weight"].sum()) if len(frame) else 0.0
        if part > 0 and total <= 0:
            msg = M.DEMAND_NO_INCIDENTS if kind == "incidents" else M.DEMAND_NO_RESIDENTS
            raise ValueError(msg)
        if part > 0:
            f = frame.to_crs(incidents.crs) if frame.crs != incidents.crs else frame
            parts.append(gpd.GeoDataFrame({"weight": f["weight"].to_numpy(dtype=float) * part / total, "kind": kind},
                                          geometry=f.geometry.to_numpy(), crs=incidents.crs))
    return pd.concat(parts, ignore_index=True)


def objective_text(demand: str, *, incident_share: float | None = None, lang: str = "en") -> str:
    """What the proposal maximises (or minimises), in plain words, for the page and the pack."""
    _ = Tr(lang)
    if demand == "residents":
        return _("The new sites cover as many residents as they can (the settlements' population spread over "
                 "their roads).")
    if demand == "points":
        return _("The new sites cover as much of the points' weight as they can.")
    if demand == "mixed":
        s = float(incident_share or 0.0)
        return _("The new sites cover as much as they can of both: {a} of the score is the share of incidents "
                 "covered, {b} the share of residents covered: covering one in a hundred incidents counts as much "
                 "as covering {r} of the residents.", a=_.pct(s, 0), b=_.pct(1 - s, 0),
                 r=_.pct(0.01 * s / (1 - s), 1) if s < 1 else "–")
    return _("The new sites cover as many incidents as they can, each weighted by its category.")
