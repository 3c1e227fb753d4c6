"""The tables behind the maps, shared by the pages and the pack so that screen and paper agree.

The Hotspots page and the pack list the same top hot spots
(:func:`top_hot_spots`, :func:`top_density_peaks`), and the Planner page and
the pack the same coverage gaps (:func:`study_gaps`, :func:`gap_table`), for
the same settings.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.categories import CategoryList, categories_of, with_categories
from geo.coverage import coverage_gaps
from geo.coverage.gaps import main_categories
from geo.crs import WGS84, local_crs, metric_xy
from geo.i18n import Tr, place_names
from geo.report.text import category_words, confidence_text
from geo.select import unit_labels, unit_of
from geo.stats.density import DensityGrid
from geo.stats.hotspots import MIN_INCIDENTS, MIN_TOP_INCIDENTS, HotspotResult, hot_clusters, incident_cells

__all__ = ["TOP_CELLS", "empty_top", "gap_table", "nearest_road_text", "settlement_names", "study_gaps",
           "top_density_peaks", "top_hot_spots"]

TOP_CELLS = 10
GAP_COLUMNS = ("gap_id", "incidents", "area_km2", "population", "main_categories", "settlement")


def _top_columns(_: Tr, method: str) -> list[str]:
    if method == "gistar":
        return [_("Rank"), _("Settlement"), _("Nearest road"), _("Incidents"),
                _("Share of the period's incidents, %"), _("Main categories"), _("Confidence"), _("Cells"),
                _("Latitude"), _("Longitude")]
    return [_("Rank"), _("Settlement"), _("Nearest road"), _("Incidents within the search radius"),
            _("Share of the period's incidents, %"), _("Main categories"), _("Density per km²"), _("Latitude"),
            _("Longitude")]


def empty_top(method: str, *, lang: str = "en") -> pd.DataFrame:
    """The columns of :func:`top_hot_spots` (``"gistar"``) or :func:`top_density_peaks`, no rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in _top_columns(Tr(lang), method)})


def top_hot_spots(result: HotspotResult, incidents: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None,
                  roads: gpd.GeoDataFrame | None = None, *, n: int = TOP_CELLS,
                  min_incidents: int = MIN_TOP_INCIDENTS, adjacency: str = "queen", lang: str = "en",
                  categories: CategoryList | None = None) -> pd.DataFrame:
    """The hot spots to act on first: adjacent hot cells merged into one place, the most incidents first.

    Hot cells (``gi_bin > 0``) that touch (:func:`geo.stats.hotspots.hot_clusters`,
    ``adjacency``) are one hot spot. Each row: the settlement holding most of
    its incidents, the nearest named road from its centre with the distance,
    its incidents (as the analysis counted them), their share of all
    ``incidents`` of the period, the main categories, the highest confidence
    of its cells, its number of cells and its centre. Hot spots with fewer
    than ``min_incidents`` incidents are never listed: a place with one
    incident is no place to act on. Cells whose count is withheld (a
    viewer's, :func:`geo.privacy.viewer_hotspots`) count no incidents. Ties (same incidents) go to the higher
    confidence, then the larger z-score. The categories are named as
    ``categories`` (the workspace's list) names them, by default the list
    ``incidents`` carry (:func:`geo.categories.categories_of`).
    """
    _ = Tr(lang)
    lst = categories if categories is not None else categories_of(incidents)
    if min_incidents < 1:
        msg = f"min_incidents must be at least 1, got {min_incidents}"
        raise ValueError(msg)
    cells = result.cells
    label = hot_clusters(result, adjacency=adjacency)
    k = int(label.max()) if len(label) else 0
    if k == 0:
        return empty_top("gistar", lang=lang)
    hot = label > 0
    # a cell whose count a viewer may not see (geo.privacy.viewer_hotspots) adds nothing: its hot spot's total
    # less the cells shown would give its count back
    shown = cells["count"].to_numpy(dtype=float, na_value=0.0)
    counts = np.bincount(label[hot], weights=shown[hot], minlength=k + 1)[1:]
    best_bin = np.zeros(k + 1, dtype=np.int64)
    np.maximum.at(best_bin, label[hot], cells["gi_bin"].to_numpy()[hot].astype(np.int64))
    best_z = np.full(k + 1, -np.inf)
    np.fmax.at(best_z, label[hot], cells["gi_z"].to_numpy(dtype=float)[hot])  # a withheld cell's z is NaN
    n_cells = np.bincount(label[hot], minlength=k + 1)[1:]
    keep = np.flatnonzero(counts >= min_incidents)
    order = keep[np.lexsort((keep, -best_z[1:][keep], -best_bin[1:][keep], -counts[keep]))][:n]
    if len(order) == 0:
        return empty_top("gistar", lang=lang)
    geoms = cells.geometry.to_numpy()
    shapes = [shapely.union_all(geoms[label == c + 1]) for c in order]
    centres_m = gpd.GeoSeries(shapely.centroid(np.array(shapes, dtype=object)), crs=result.crs)
    # Each incident's hot spot, for its settlement and categories.
    where = incident_cells(result, incidents)
    spot = np.where(where >= 0, label[np.maximum(where, 0)], 0)
    total = len(incidents)
    names, cats = [], []
    for c in order:
        mine = incidents[spot == c + 1]
        names.append(_most_common(settlement_names(mine.geometry, units, lang=lang)) if len(mine) else "–")
        cats.append(category_words(_, main_categories(mine["category"].to_numpy()), categories=lst)
                    if "category" in mine and len(mine) else "")
    centres = centres_m.to_crs(WGS84)
    counts_int = np.rint(counts[order]).astype(np.int64)
    values = [np.arange(1, len(order) + 1), np.array(names, dtype=object),
              nearest_road_text(centres_m, roads, lang=lang), counts_int,
              np.round(100 * counts[order] / total, 1) if total else np.full(len(order), np.nan),
              np.array(cats, dtype=object),
              np.array([confidence_text(_, b) for b in best_bin[1:][order]], dtype=object),
              n_cells[order].astype(np.int64), centres.y.round(5).to_numpy(), centres.x.round(5).to_numpy()]
    return pd.DataFrame(dict(zip(_top_columns(_, "gistar"), values, strict=True)))


def top_density_peaks(grid: DensityGrid, incidents: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None,
                      roads: gpd.GeoDataFrame | None = None, *, n: int = TOP_CELLS,
                      min_incidents: int = MIN_TOP_INCIDENTS, lang: str = "en",
                      categories: CategoryList | None = None) -> pd.DataFrame:
    """The highest local maxima of a density surface, at least a bandwidth apart, as places to act on.

    Each peak with the settlement it lies in, the nearest named road, the
    incidents within one search radius (bandwidth) of it, their share of all
    ``incidents``, their main categories and the density. Peaks with fewer
    than ``min_incidents`` incidents within the radius are never listed.
    """
    from scipy import ndimage
    from scipy.spatial import cKDTree

    _ = Tr(lang)
    size = 2 * max(1, math.ceil(grid.bandwidth / grid.cell)) + 1
    v = grid.values
    peak = (v == ndimage.maximum_filter(v, size=size, mode="constant", cval=-np.inf)) & (v > 0)
    rows, cols = np.nonzero(peak)
    order = np.lexsort((cols, rows, -v[rows, cols]))
    rows, cols = rows[order], cols[order]
    x = grid.transform.c + (cols + 0.5) * grid.cell
    y = grid.transform.f - (rows + 0.5) * grid.cell
    ix, iy, ok = metric_xy(incidents, grid.crs, what="incidents")
    pos = np.flatnonzero(ok)
    near = (cKDTree(np.column_stack([ix[pos], iy[pos]])).query_ball_point(np.column_stack([x, y]), grid.bandwidth)
            if len(pos) and len(x) else [[] for _p in range(len(x))])
    held = np.array([len(h) for h in near], dtype=np.int64)
    chosen = np.flatnonzero(held >= min_incidents)[:n]
    if len(chosen) == 0:
        return empty_top("density", lang=lang)
    pts_m = gpd.GeoSeries(shapely.points(x[chosen], y[chosen]), crs=grid.crs)
    pts = pts_m.to_crs(WGS84)
    category = incidents["category"].to_numpy() if "category" in incidents else None
    lst = categories if categories is not None else categories_of(incidents)  # the workspace's own names
    cats = [category_words(_, main_categories(category[pos[near[i]]]), categories=lst) if category is not None else ""
            for i in chosen]
    total = len(incidents)
    values = [np.arange(1, len(chosen) + 1), settlement_names(pts, units, lang=lang),
              nearest_road_text(pts_m, roads, lang=lang), held[chosen],
              np.round(100 * held[chosen] / total, 1), np.array(cats, dtype=object),
              v[rows[chosen], cols[chosen]].round(1), pts.y.round(5).to_numpy(), pts.x.round(5).to_numpy()]
    return pd.DataFrame(dict(zip(_top_columns(_, "density"), values, strict=True)))


def nearest_road_text(points: gpd.GeoSeries, roads: gpd.GeoDataFrame | None, *, lang: str = "en") -> np.ndarray:
    """"Chui Avenue, 120 m": the nearest named road of each point (names in ``lang``) and its distance; "–" without.

    ``points`` are in a metric CRS; roads without a name are passed over, so
    the name is one a person can look for.
    """
    _ = Tr(lang)
    out = np.full(len(points), "–", dtype=object)
    if roads is None or len(roads) == 0 or "name" not in roads or len(points) == 0:
        return out
    names = place_names(roads, lang).astype(object)
    named = names.notna().to_numpy() & (names.astype(str).str.strip() != "").to_numpy()
    named &= ~roads.geometry.is_empty.to_numpy() & roads.geometry.notna().to_numpy()
    if not named.any():
        return out
    lines = roads.geometry[named].to_crs(points.crs).to_numpy()
    hit_pt, hit_road = shapely.STRtree(lines).query_nearest(points.to_numpy(), return_distance=False,
                                                            all_matches=False)
    dist = shapely.distance(points.to_numpy()[hit_pt], lines[hit_road])
    local = names.to_numpy()[named]
    for p, r, d in zip(hit_pt, hit_road, dist, strict=True):
        out[p] = _("{road}, {metres} m", road=str(local[r]), metres=_.int(round(float(d), -1)))
    return out


def _most_common(names: np.ndarray) -> str:
    """The most frequent name (ties: the first alphabetically); "–" for none."""
    if len(names) == 0:
        return "–"
    counts = pd.Series(names).value_counts()
    return str(sorted(counts[counts == counts.max()].index)[0])


def study_gaps(incidents: gpd.GeoDataFrame, stations: gpd.GeoDataFrame | None, *, units: gpd.GeoDataFrame | None,
               method: str, cell: float | None = None, radius: float | None = None,
               areas: gpd.GeoDataFrame | None = None, hotspots_result: HotspotResult | None = None,
               roads: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame | None:
    """The coverage gaps of a study, as the Planner page and the pack find them.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The study's incidents.
    stations : geopandas.GeoDataFrame or None
        Today's sites (with ``radius``).
    units : geopandas.GeoDataFrame or None
        The study's settlements: the ground the hot spots are looked for in.
    method : {"gistar", "density"}
        How the dense ground is found (:func:`geo.coverage.coverage_gaps`).
    cell : float, optional
        Grid cell in metres; each method's own default otherwise.
    radius : float, optional
        A straight-line standard ...
    areas : geopandas.GeoDataFrame, optional
        ... or the areas covered today (drive-time areas, camera sectors).
    hotspots_result : HotspotResult, optional
        A Gi* result the caller already has for the same incidents.
    roads : geopandas.GeoDataFrame, optional
        The study's roads: where a gap's residents live (:mod:`geo.stats.population`); without them the
        residents follow the incidents, which a gap holds by definition.

    Returns
    -------
    geopandas.GeoDataFrame or None
        None when there are too few incidents (fewer than
        :data:`geo.stats.hotspots.MIN_INCIDENTS`) to look for gaps.
    """
    if len(incidents) < MIN_INCIDENTS:
        return None
    reach = {"areas": areas} if areas is not None else {"radius": radius}
    gaps = coverage_gaps(incidents, stations, boundaries=units if units is not None and len(units) else None,
                         method=method, cell=cell, hotspots_result=hotspots_result, roads=roads, **reach)
    # the gaps carry the incidents' list of categories: gap_table names them as the workspace does
    return with_categories(gaps, categories_of(incidents)) if gaps is not None else None


def gap_table(gaps: gpd.GeoDataFrame | None, *, residents: bool, lang: str = "en",
              units: gpd.GeoDataFrame | None = None, categories: CategoryList | None = None) -> pd.DataFrame:
    """The gaps as a reader's table: number, settlement, uncovered incidents, area, residents, main categories.

    Parameters
    ----------
    gaps : geopandas.GeoDataFrame or None
        As from :func:`study_gaps`.
    residents : bool
        Add the residents column (the settlements have a population).
    lang : {"ru", "ky", "en"}
        Headers and words; settlement names too, given ``units``.
    units : geopandas.GeoDataFrame, optional
        The settlements (``name``, ``name_ru``, ``name_ky``): the gaps' settlements named in ``lang``.
    categories : geo.categories.CategoryList, optional
        The workspace's list, naming the main categories; by default the list ``gaps`` carry.
    """
    _ = Tr(lang)
    lst = categories if categories is not None else categories_of(gaps)
    g = gaps if gaps is not None else gpd.GeoDataFrame({c: [] for c in GAP_COLUMNS}, geometry=[], crs=WGS84)
    names = g["settlement"].astype(object)
    if units is not None and len(units) and "name" in units:
        names = _gap_settlements(g, units, lang)
    table = pd.DataFrame({_("Gap"): g["gap_id"].astype(int).to_numpy(),
                          _("Settlement"): names.fillna("–").astype(str).to_numpy(),
                          _("Uncovered incidents"): g["incidents"].astype(int).to_numpy(),
                          _("Area, km²"): g["area_km2"].astype(float).round(2).to_numpy()})
    if residents:
        # whole people ("4,269", never "4269.1157": a gap's share of a settlement's residents is an estimate)
        table[_("Residents")] = pd.array(g["population"].astype(float).round().to_numpy(), dtype="Int64")
    table[_("Main categories")] = (g["main_categories"].astype(str)
                                   .map(lambda t: category_words(_, t, categories=lst)).to_numpy())
    return table


def _gap_settlements(gaps: gpd.GeoDataFrame, units: gpd.GeoDataFrame, lang: str) -> pd.Series:
    """Each gap's settlement (stored by name) as :func:`geo.select.unit_labels` names it.

    Where the name is repeated among ``units``, the gap's settlement is the
    unit of that name it overlaps most, so two villages of one name are told
    apart.
    """
    labels = unit_labels(units, lang).astype(str).to_numpy()
    stored = units["name"].astype(str).to_numpy()
    out = gaps["settlement"].astype(object).copy()
    for i, v in enumerate(gaps["settlement"]):
        if v is None or pd.isna(v):
            continue
        hits = np.flatnonzero(stored == str(v))
        if len(hits) == 1:
            out.iloc[i] = labels[hits[0]]
        elif len(hits) > 1:
            crs = local_crs(units)
            geom = gaps.geometry.iloc[[i]].to_crs(crs).iloc[0]
            overlap = units.geometry.iloc[hits].to_crs(crs).intersection(geom).area.to_numpy()
            out.iloc[i] = labels[hits[int(np.argmax(overlap))]]
    return out


def settlement_names(points: gpd.GeoSeries, units: gpd.GeoDataFrame, *, lang: str = "en") -> np.ndarray:
    """Name in ``lang`` of the settlement each point lies in (:func:`geo.select.unit_of`), "–" outside all.

    Names are :func:`geo.select.unit_labels`: a repeated name comes with its district or area.
    """
    out = np.full(len(points), "–", dtype=object)
    if units is None or len(units) == 0:
        return out
    pos = unit_of(points, units)
    inside = pos >= 0
    out[inside] = unit_labels(units, lang).to_numpy()[pos[inside]]
    return out
