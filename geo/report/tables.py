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
from geo.report.text import CONFIDENCE, category_words
from geo.select import unit_of
from geo.stats.density import DensityGrid
from geo.stats.hotspots import MIN_INCIDENTS, HotspotResult

__all__ = ["TOP_CELLS", "empty_top", "gap_table", "settlement_names", "study_gaps", "top_density_peaks",
           "top_hot_cells"]

TOP_CELLS = 10
GAP_COLUMNS = ("gap_id", "incidents", "area_km2", "population", "main_categories", "settlement")


def empty_top(method: str) -> pd.DataFrame:
    cols = (["Rank", "Settlement", "Latitude", "Longitude", "Incidents", "Gi* z", "Confidence"] if method == "gistar"
            else ["Rank", "Settlement", "Latitude", "Longitude", "Density per km²"])
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def top_hot_cells(cells: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, n: int = TOP_CELLS) -> pd.DataFrame:
    """The hottest cells (gi_bin > 0, largest z first) with the settlement their centre lies in.

    Cells with the same neighbourhood sum share a z-score; among them the
    cell holding more incidents comes first, as the place to patrol.
    """
    hot = cells[cells["gi_bin"].to_numpy() > 0]
    order = np.lexsort((np.arange(len(hot)), -hot["count"].to_numpy(), -hot["gi_z"].to_numpy()))[:n]
    hot = hot.iloc[order]
    centres = gpd.GeoSeries(hot.geometry.centroid, crs=hot.crs).to_crs(WGS84)
    return pd.DataFrame({
        "Rank": np.arange(1, len(hot) + 1),
        "Settlement": settlement_names(centres, units),
        "Latitude": centres.y.round(5).to_numpy(), "Longitude": centres.x.round(5).to_numpy(),
        "Incidents": hot["count"].to_numpy(), "Gi* z": hot["gi_z"].round(2).to_numpy(),
        "Confidence": hot["gi_bin"].map(CONFIDENCE).to_numpy(),
    })


def top_density_peaks(grid: DensityGrid, units: gpd.GeoDataFrame, *, n: int = TOP_CELLS) -> pd.DataFrame:
    """The highest local maxima of a density surface, at least a bandwidth apart."""
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
    return pd.DataFrame({"Rank": np.arange(1, len(rows) + 1), "Settlement": settlement_names(pts, units),
                         "Latitude": pts.y.round(5).to_numpy(), "Longitude": pts.x.round(5).to_numpy(),
                         "Density per km²": v[rows, cols].round(1)})


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


def gap_table(gaps: gpd.GeoDataFrame | None, *, residents: bool) -> pd.DataFrame:
    """The gaps as a reader's table: number, settlement, uncovered incidents, area, residents, main categories."""
    g = gaps if gaps is not None else gpd.GeoDataFrame({c: [] for c in GAP_COLUMNS}, geometry=[], crs=WGS84)
    table = pd.DataFrame({"Gap": g["gap_id"].astype(int).to_numpy(),
                          "Settlement": g["settlement"].fillna("–").astype(str).to_numpy(),
                          "Uncovered incidents": g["incidents"].astype(int).to_numpy(),
                          "Area, km²": g["area_km2"].astype(float).round(2).to_numpy()})
    if residents:
        table["Residents"] = g["population"].astype(float).round().to_numpy()
    table["Main categories"] = g["main_categories"].astype(str).map(category_words).to_numpy()
    return table


def settlement_names(points: gpd.GeoSeries, units: gpd.GeoDataFrame) -> np.ndarray:
    """Name of the settlement each point lies in (:func:`geo.select.unit_of`), "–" outside all."""
    out = np.full(len(points), "–", dtype=object)
    pos = unit_of(points, units)
    inside = pos >= 0
    out[inside] = units["name"].astype(str).to_numpy()[pos[inside]]
    return out
