"""The tables behind the maps, shared by the pages and the pack so that screen and paper agree.

The Hotspots page and the pack list the same top hot spots
(:func:`top_hot_cells`, :func:`top_density_peaks`), and the Planner page and
the pack the same coverage gaps (:func:`study_gaps`, :func:`gap_table`), for
the same settings.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.coverage import coverage_gaps
from geo.crs import WGS84
from geo.i18n import Tr, place_names
from geo.report.text import category_words, confidence_text
from geo.select import unit_of
from geo.stats.density import DensityGrid
from geo.stats.hotspots import MIN_INCIDENTS, HotspotResult

__all__ = ["TOP_CELLS", "empty_top", "gap_table", "settlement_names", "study_gaps", "top_density_peaks",
           "top_hot_cells"]

TOP_CELLS = 10
GAP_COLUMNS = ("gap_id", "incidents", "area_km2", "population", "main_categories", "settlement")


def _top_columns(_: Tr, method: str) -> list[str]:
    return ([_("Rank"), _("Settlement"), _("Latitude"), _("Longitude"), _("Incidents"), _("Gi* z"), _("Confidence")]
            if method == "gistar" else
            [_("Rank"), _("Settlement"), _("Latitude"), _("Longitude"), _("Density per km²")])


def empty_top(method: str, *, lang: str = "en") -> pd.DataFrame:
    """The columns of :func:`top_hot_cells` (``"gistar"``) or :func:`top_density_peaks`, no rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in _top_columns(Tr(lang), method)})


def top_hot_cells(cells: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, n: int = TOP_CELLS,
                  lang: str = "en") -> pd.DataFrame:
    """The hottest cells (gi_bin > 0, largest z first) with the settlement their centre lies in.

    Cells with the same neighbourhood sum share a z-score; among them the
    cell holding more incidents comes first, as the place to patrol. Headers,
    confidence and settlement names are in ``lang``.
    """
    _ = Tr(lang)
    hot = cells[cells["gi_bin"].to_numpy() > 0]
    order = np.lexsort((np.arange(len(hot)), -hot["count"].to_numpy(), -hot["gi_z"].to_numpy()))[:n]
    hot = hot.iloc[order]
    centres = gpd.GeoSeries(hot.geometry.centroid, crs=hot.crs).to_crs(WGS84)
    values = [np.arange(1, len(hot) + 1), settlement_names(centres, units, lang=lang),
              centres.y.round(5).to_numpy(), centres.x.round(5).to_numpy(), hot["count"].to_numpy(),
              hot["gi_z"].round(2).to_numpy(),
              np.array([confidence_text(_, b) for b in hot["gi_bin"]], dtype=object)]
    return pd.DataFrame(dict(zip(_top_columns(_, "gistar"), values, strict=True)))


def top_density_peaks(grid: DensityGrid, units: gpd.GeoDataFrame, *, n: int = TOP_CELLS,
                      lang: str = "en") -> pd.DataFrame:
    """The highest local maxima of a density surface, at least a bandwidth apart; headers and names in ``lang``."""
    from scipy import ndimage

    size = 2 * max(1, math.ceil(grid.bandwidth / grid.cell)) + 1
    v = grid.values
    peak = (v == ndimage.maximum_filter(v, size=size, mode="constant", cval=-np.inf)) & (v > 0)
    rows, cols = np.nonzero(peak)
    order = np.lexsort((cols, rows, -v[rows, cols]))[:n]
    rows, cols = rows[order], cols[order]
    x = grid.transform.c + (cols + 0.5) * grid.cell
    y = grid.transform.f - (rows + 0.5) * grid.cell
    pts = gpd.GeoSeries(shapely.points(x, y), crs=grid.crs).to_crs(WGS84)
    values = [np.arange(1, len(rows) + 1), settlement_names(pts, units, lang=lang), pts.y.round(5).to_numpy(),
              pts.x.round(5).to_numpy(), v[rows, cols].round(1)]
    return pd.DataFrame(dict(zip(_top_columns(Tr(lang), "density"), values, strict=True)))


def study_gaps(incidents: gpd.GeoDataFrame, stations: gpd.GeoDataFrame | None, *, units: gpd.GeoDataFrame | None,
               method: str, cell: float | None = None, radius: float | None = None,
               areas: gpd.GeoDataFrame | None = None, hotspots_result: HotspotResult | None = None
               ) -> gpd.GeoDataFrame | None:
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

    Returns
    -------
    geopandas.GeoDataFrame or None
        None when there are too few incidents (fewer than
        :data:`geo.stats.hotspots.MIN_INCIDENTS`) to look for gaps.
    """
    if len(incidents) < MIN_INCIDENTS:
        return None
    reach = {"areas": areas} if areas is not None else {"radius": radius}
    return coverage_gaps(incidents, stations, boundaries=units if units is not None and len(units) else None,
                         method=method, cell=cell, hotspots_result=hotspots_result, **reach)


def gap_table(gaps: gpd.GeoDataFrame | None, *, residents: bool, lang: str = "en",
              units: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
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
    """
    _ = Tr(lang)
    g = gaps if gaps is not None else gpd.GeoDataFrame({c: [] for c in GAP_COLUMNS}, geometry=[], crs=WGS84)
    names = g["settlement"].astype(object)
    if units is not None and len(units) and "name" in units:
        local = dict(zip(units["name"].astype(str), place_names(units, lang), strict=True))
        names = names.map(lambda v: v if v is None or pd.isna(v) else local.get(str(v), str(v)))
    table = pd.DataFrame({_("Gap"): g["gap_id"].astype(int).to_numpy(),
                          _("Settlement"): names.fillna("–").astype(str).to_numpy(),
                          _("Uncovered incidents"): g["incidents"].astype(int).to_numpy(),
                          _("Area, km²"): g["area_km2"].astype(float).round(2).to_numpy()})
    if residents:
        table[_("Residents")] = g["population"].astype(float).round().to_numpy()
    table[_("Main categories")] = g["main_categories"].astype(str).map(lambda t: category_words(_, t)).to_numpy()
    return table


def settlement_names(points: gpd.GeoSeries, units: gpd.GeoDataFrame, *, lang: str = "en") -> np.ndarray:
    """Name in ``lang`` of the settlement each point lies in (:func:`geo.select.unit_of`), "–" outside all."""
    out = np.full(len(points), "–", dtype=object)
    if units is None or len(units) == 0:
        return out
    pos = unit_of(points, units)
    inside = pos >= 0
    out[inside] = place_names(units, lang).to_numpy()[pos[inside]]
    return out
