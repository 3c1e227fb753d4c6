"""Counts a viewer may see: per settlement, per grid cell, on a density surface and on Gi* cells.

The rule is one: a count from 1 to ``min_count - 1`` (default 3) is never
shown, so no settlement, cell or surface reveals one or two incidents. Small
counts are *suppressed* (the count is withheld and the row says so), not
merged with a neighbour: suppression is the simplest rule to state on a page
("fewer than 3") and shows no number that was not counted. Zero is shown: it
reveals no incident.

What suppression does not hide: where a settlement's total is shown beside
its categories, the suppressed ones can be told from the difference. The
pages show totals and categories from the same suppressed table, so a total
built from suppressed parts is itself computed only from what is shown.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.crs import local_crs, metric_xy
from geo.privacy.policy import PrivacyPolicy, categories_for_viewer, months
from geo.select import unit_ids, unit_of
from geo.stats.density import GAUSSIAN_CUTOFF, DensityGrid
from geo.stats.hotspots import HotspotResult


def suppress(counts: np.ndarray | pd.Series, *, min_count: int) -> tuple[pd.Series, np.ndarray]:
    """Counts with those from 1 to ``min_count - 1`` withheld (``<NA>``), and the mask of the withheld."""
    c = pd.Series(np.asarray(counts, dtype=float))
    hidden = ((c > 0) & (c < min_count)).to_numpy()
    shown = c.round().astype("Int64").mask(hidden)
    return shown, hidden


def settlement_counts(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, *, policy: PrivacyPolicy,
                      by_month: bool = False) -> gpd.GeoDataFrame:
    """Incidents per settlement and category (every category, sensitive or not), small counts suppressed.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        With ``category`` (and ``occurred_at`` for ``by_month``).
    boundaries : geopandas.GeoDataFrame
        The settlements; each is counted by the platform's point-in-unit rule (:func:`geo.select.unit_of`).
    policy : PrivacyPolicy
        ``merge`` and ``min_count``.
    by_month : bool
        One row per month (``YYYY-MM``) too.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per settlement and category present in the incidents (and
        month): ``unit`` (the settlement id), ``category``, [``month``],
        ``count`` (nullable integer, ``<NA>`` where suppressed),
        ``suppressed`` and the settlement's polygon. A settlement's total is
        one more call with ``policy.merge`` sending every key to one.
        ``attrs["privacy"]`` holds ``method="aggregate"`` and ``min_count``.
    """
    pos = unit_of(incidents, boundaries) if len(incidents) else np.zeros(0, dtype=np.int64)
    keys = ["unit", "category", *(["month"] if by_month else [])]
    cats = categories_for_viewer(incidents["category"], policy) if len(incidents) else pd.Series([], dtype=object)
    frame = pd.DataFrame({"pos": pos, "category": cats.to_numpy(dtype=object)})
    if by_month:
        frame["month"] = months(incidents["occurred_at"]).to_numpy(dtype=object)
    frame = frame[frame["pos"] >= 0]
    grouped = frame.groupby(["pos", *keys[1:]], sort=True).size()
    levels = [pd.RangeIndex(len(boundaries)), sorted(frame["category"].unique())]
    if by_month:
        levels.append(sorted(frame["month"].unique()))
    full = grouped.reindex(pd.MultiIndex.from_product(levels, names=["pos", *keys[1:]]), fill_value=0)
    table = full.rename("n").reset_index()
    count, hidden = suppress(table["n"].to_numpy(), min_count=policy.min_count)
    ids = unit_ids(boundaries).astype(str).to_numpy(dtype=object)
    out = gpd.GeoDataFrame({"unit": ids[table["pos"].to_numpy(dtype=np.int64)],
                            **{k: table[k].to_numpy(dtype=object) for k in keys[1:]},
                            "count": count.to_numpy(), "suppressed": hidden},
                           geometry=boundaries.geometry.iloc[table["pos"].to_numpy(dtype=np.int64)].to_numpy(),
                           crs=boundaries.crs)
    out["count"] = out["count"].astype("Int64")
    out.attrs = {"privacy": {"method": "aggregate", "min_count": int(policy.min_count),
                             "sensitive": sorted(policy.sensitive), "suppressed": int(hidden.sum())}}
    return out


def cell_counts(incidents: gpd.GeoDataFrame, *, policy: PrivacyPolicy, cell: float | None = None,
                crs: object = None) -> gpd.GeoDataFrame:
    """Incidents per square grid cell (the cells that hold any), small counts suppressed.

    Cells of ``cell`` metres (default ``policy.grid_cell``) aligned on
    multiples of the cell in the local metric CRS; columns ``count``
    (nullable, ``<NA>`` where suppressed), ``suppressed`` and the square.
    """
    size = float(cell if cell is not None else policy.grid_cell)
    target = crs if crs is not None else local_crs(incidents)
    x, y, ok = metric_xy(incidents, target, what="incidents")
    ix, iy = np.floor(x[ok] / size).astype(np.int64), np.floor(y[ok] / size).astype(np.int64)
    cells, n = np.unique(np.column_stack([ix, iy]), axis=0, return_counts=True)
    if len(cells) == 0:
        cells = np.empty((0, 2), dtype=np.int64)
    count, hidden = suppress(n, min_count=policy.min_count)
    x0, y0 = cells[:, 0] * size, cells[:, 1] * size
    out = gpd.GeoDataFrame({"count": count.to_numpy(), "suppressed": hidden},
                           geometry=shapely.box(x0, y0, x0 + size, y0 + size), crs=target)
    out["count"] = out["count"].astype("Int64")
    out.attrs = {"privacy": {"method": "cells", "cell": size, "min_count": int(policy.min_count),
                             "suppressed": int(hidden.sum())}}
    return out


def viewer_hotspots(result: HotspotResult, *, min_count: int = 3) -> HotspotResult:
    """Gi* cells a viewer may see: a cell with 1 to ``min_count - 1`` incidents shows neither count nor z.

    The count of such a cell is withheld (``<NA>``), and so are its
    ``gi_z``, ``gi_p`` and ``gi_p_sim`` (numbers that, with the neighbours'
    counts shown, would give the cell's count back); its ``gi_bin`` (hot,
    cold or neither, at a confidence) stays: the bin is a statement about the
    whole distance band around the cell, not about the cell's own incidents.
    Column ``suppressed`` marks these cells; ``params["privacy"]`` says so.
    """
    cells = result.cells.copy()
    count, hidden = suppress(cells["count"].to_numpy(dtype=float), min_count=min_count)
    cells["count"] = count.astype("Int64").to_numpy()
    for column in ("gi_z", "gi_p", "gi_p_sim"):
        if column in cells:
            cells[column] = cells[column].astype(float).mask(hidden)
    cells["suppressed"] = hidden
    params = {**result.params, "privacy": {"method": "suppress", "min_count": int(min_count),
                                           "suppressed": int(hidden.sum())}}
    return replace(result, cells=cells, params=params)


def viewer_density(grid: DensityGrid, incidents: gpd.GeoDataFrame, *, min_count: int = 3) -> DensityGrid:
    """A density surface a viewer may see: zero wherever fewer than ``min_count`` incidents shape the value.

    A cell's density is the sum of the kernels of the incidents within the
    kernel's reach (its bandwidth; four for the gaussian) of the cell; a
    lone incident draws its own bump, with its position at the top. So each
    cell whose reach holds fewer than ``min_count`` incidents is set to 0.
    Counted within the reach of the cell's centre, which is never more than
    the incidents that really weigh on the cell: a cell is suppressed rather
    than shown when in doubt.
    """
    reach = grid.bandwidth * (GAUSSIAN_CUTOFF if grid.kernel == "gaussian" else 1.0)
    x, y, ok = metric_xy(incidents, grid.crs, what="incidents")
    values = grid.values.copy()
    busy = np.nonzero(values > 0)
    if len(busy[0]) == 0:
        return grid
    if not ok.any():
        values[:] = 0.0
    else:
        cx, cy = grid.centres()
        near = cKDTree(np.column_stack([x[ok], y[ok]])).query_ball_point(
            np.column_stack([cx[busy[1]], cy[busy[0]]]), reach, return_length=True)
        thin = np.asarray(near) < min_count
        values[busy[0][thin], busy[1][thin]] = 0.0
    return replace(grid, values=values)
