"""Coverage gaps: the hot ground (dense or Gi* hot) that no facility covers, ranked by the incidents it holds.

The hot ground comes from :mod:`geo.stats.density` or :mod:`geo.stats.hotspots`
(imported on use: rasterio and matplotlib load slowly); coverage is decided
as in :func:`geo.coverage.coverage_summary`, so a gap never holds an incident
the summary counts as covered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.coverage._common import boundary_arrays, cover_union, coverage_mode, covering_pairs, crs_of
from geo.crs import WGS84, metric_xy
from geo.stats.population import residents_each

if TYPE_CHECKING:
    import affine

    from geo.stats.hotspots import HotspotResult

__all__ = ["GAP_METHODS", "coverage_gaps", "main_categories"]

GAP_PERCENTILE = 90.0
# FFT round-off leaves ~1e-16 of the peak in cells no kernel reaches; they are not "non-zero" density.
DENSITY_NOISE = 1e-9
GAP_CATEGORIES = 3
GISTAR_HOT_BIN = 2
GAP_METHODS = ("density", "gistar")


def coverage_gaps(incidents: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame | None, *,
                  radius: float | None = None, areas: gpd.GeoDataFrame | None = None,
                  boundaries: gpd.GeoDataFrame | None = None, method: str = "density",
                  threshold: float | None = None, cell: float | None = None,
                  hotspots_result: HotspotResult | None = None,
                  roads: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Areas of high incident density outside coverage, ranked by the incidents they hold.

    The "hot" ground is found from all incidents, then the coverage (the
    facilities' circles of ``radius``, or the ``areas``) is cut out of it:

    * ``"density"``: a kernel density surface (:func:`geo.stats.density.kernel_density`
      with its defaults: quartic kernel, ArcGIS bandwidth; ``cell`` if given),
      cells at or above ``threshold`` incidents per km², traced into
      polygons. The default threshold is the 90th percentile of the cells
      with density (those any kernel reaches), so the densest tenth of the
      ground the incidents occupy is hot;
    * ``"gistar"``: the Gi* hot spot cells at 95 % confidence or more
      (``gi_bin >= 2``) of :func:`geo.stats.hotspots.hotspots` (with ``cell`` and
      ``boundaries`` as the study area), or of ``hotspots_result`` when the
      caller has one.

    Each separate piece is a gap; pieces smaller than a grid cell (slivers
    left by the cut) and pieces holding no uncovered incident (the density's
    spill just past a covered cluster) are dropped.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Points with a CRS; ``category`` names the main categories.
    facilities : geopandas.GeoDataFrame or None
        Points (radius mode); unused with ``areas``.
    radius : float, optional
        Metres; give this or ``areas`` (see :func:`coverage_summary`).
    areas : geopandas.GeoDataFrame, optional
        Covered polygons (e.g. :func:`camera_areas`).
    boundaries : geopandas.GeoDataFrame, optional
        Units with ``name`` and ``population``: the residents of each gap
        (from the population surface) and the settlement it lies in most.
    method : {"density", "gistar"}
    threshold : float, optional
        Density method only: incidents per km² from which ground is hot.
    cell : float, optional
        Grid cell in metres (both methods; their defaults otherwise).
    hotspots_result : geo.stats.hotspots.HotspotResult, optional
        Gi* method only: reuse this analysis instead of running one.
    roads : geopandas.GeoDataFrame, optional
        Where the residents live (:func:`geo.stats.population.residents_each`: each settlement's
        residents spread over its roads); without roads they follow the incidents.

    Returns
    -------
    geopandas.GeoDataFrame
        In WGS84, one row per gap, most incidents first: ``gap_id`` (1 = most
        incidents), ``incidents`` (uncovered incidents inside), ``area_km2``,
        ``population`` (NaN without boundaries), ``main_categories`` (up to
        three, e.g. ``"burglary 45%, public_order 30%"``; shares of the
        gap's incidents, rounded), ``settlement`` (boundary with the largest
        overlap; None without) and the polygon. ``attrs`` holds ``method``,
        ``threshold`` (density: per km²), ``cell`` and ``crs``.
    """
    if method not in GAP_METHODS:
        msg = f"unknown gap method {method!r}; choose one of {', '.join(GAP_METHODS)}"
        raise ValueError(msg)
    if method == "gistar" and threshold is not None:
        msg = "threshold is for the density method; Gi* gaps are the cells at 95 % confidence or more"
        raise ValueError(msg)
    if method == "density" and hotspots_result is not None:
        msg = "hotspots_result is for method='gistar'"
        raise ValueError(msg)
    mode = coverage_mode(radius, areas)
    sources = facilities if mode == "radius" else areas
    if sources is None:
        msg = "radius mode needs the facilities"
        raise ValueError(msg)
    crs = crs_of(incidents, sources, fallback=boundaries)
    ix, iy, iok = metric_xy(incidents, crs, what="incidents")
    inc, _ = covering_pairs(ix, iy, iok, sources, mode=mode, radius=radius, crs=crs)
    uncovered = iok & (np.bincount(inc, minlength=len(incidents)) == 0)
    cover = cover_union(sources, mode=mode, radius=radius, crs=crs)

    if method == "density":
        # Imported here: rasterio and matplotlib load slowly, and only this method needs them.
        from geo.stats.density import kernel_density

        if not iok.any():
            return _empty_gaps(method, threshold, cell)
        grid = kernel_density(incidents[iok], cell=cell, crs=crs)
        values = grid.values
        has_density = values > values.max() * DENSITY_NOISE
        if threshold is None:
            threshold = float(np.percentile(values[has_density], GAP_PERCENTILE)) if has_density.any() else np.inf
        hot = _trace(has_density & (values >= threshold), grid.transform)
        cell = grid.cell
    else:
        from geo.stats.hotspots import hotspots

        result = hotspots_result if hotspots_result is not None else hotspots(incidents, cell=cell,
                                                                              boundary=boundaries, crs=crs)
        cells = result.cells
        cells = cells[cells["gi_bin"] >= GISTAR_HOT_BIN]
        hot = shapely.union_all(cells.geometry.to_crs(crs).to_numpy()) if len(cells) else shapely.Polygon()
        cell = result.cell

    pieces = shapely.get_parts(shapely.difference(hot, cover) if cover is not None else hot)
    pieces = pieces[shapely.area(pieces) >= cell**2 * (1 - 1e-9)]
    if len(pieces) == 0:
        return _empty_gaps(method, threshold, cell)
    # Uncovered incidents in each piece (a point on a shared corner goes to the first).
    upos = np.flatnonzero(uncovered)
    hit_pt, hit_gap = shapely.STRtree(pieces).query(shapely.points(ix[upos], iy[upos]), predicate="intersects")
    hit_pt, first = np.unique(hit_pt, return_index=True)
    hit_gap = hit_gap[first]
    counts = np.bincount(hit_gap, minlength=len(pieces))
    keep = counts > 0
    pieces, counts, hit_gap = pieces[keep], counts[keep], (np.cumsum(keep) - 1)[hit_gap]
    if len(pieces) == 0:
        return _empty_gaps(method, threshold, cell)

    cats = incidents["category"].to_numpy()[upos] if "category" in incidents else None
    main = [main_categories(cats[hit_pt[hit_gap == g]]) if cats is not None else "" for g in range(len(pieces))]
    population = np.full(len(pieces), np.nan)
    settlement = np.full(len(pieces), None, dtype=object)
    if boundaries is not None and len(boundaries):
        population, settlement = _gap_boundaries(pieces, boundaries, crs)
        # Residents from the population surface (geo.stats.population), not spread evenly over a settlement.
        population = residents_each(pieces, crs, boundaries, roads=roads, incidents=incidents)

    frame = gpd.GeoDataFrame({
        "incidents": counts,
        "area_km2": shapely.area(pieces) / 1e6,
        "population": population,
        "main_categories": main,
        "settlement": settlement,
    }, geometry=pieces, crs=crs)
    frame = frame.sort_values(["incidents", "area_km2"], ascending=False, kind="stable").reset_index(drop=True)
    frame.insert(0, "gap_id", np.arange(1, len(frame) + 1))
    frame = frame.to_crs(WGS84)
    frame.attrs.update(method=method, threshold=None if threshold is None else float(threshold), cell=float(cell),
                       crs=pyproj.CRS.from_user_input(crs).to_string())
    return frame


def _trace(mask: np.ndarray, transform: affine.Affine) -> shapely.Geometry:
    """The cells of a boolean grid as (multi)polygons in the grid's coordinates."""
    import rasterio.features  # lazily: only the density method rasterises

    if not mask.any():
        return shapely.Polygon()
    shapes = rasterio.features.shapes(mask.astype(np.uint8), mask=mask, transform=transform)
    return shapely.union_all([shapely.geometry.shape(g) for g, _ in shapes])


def main_categories(cats: np.ndarray) -> str:
    """Up to :data:`GAP_CATEGORIES` categories with their rounded shares, largest first."""
    if len(cats) == 0:
        return ""
    shares = pd.Series(cats).fillna("(none)").astype(str).value_counts(normalize=True, sort=False)
    top = shares.reset_index().sort_values(["proportion", "index"], ascending=[False, True], kind="stable")
    return ", ".join(f"{c} {round(100 * s)}%" for c, s in top.head(GAP_CATEGORIES).itertuples(index=False))


def _gap_boundaries(pieces: np.ndarray, boundaries: gpd.GeoDataFrame,
                    crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray]:
    """Areal-weighted population of each gap and the boundary unit it overlaps most."""
    geoms, pop, names = boundary_arrays(boundaries, crs)
    gap, unit = shapely.STRtree(geoms).query(pieces, predicate="intersects")
    overlap = shapely.area(shapely.intersection(pieces[gap], geoms[unit]))
    area = shapely.area(geoms)[unit]
    with np.errstate(divide="ignore", invalid="ignore"):
        people = np.where(area > 0, pop[unit] * overlap / area, 0.0)
    population = np.bincount(gap, weights=np.nan_to_num(people), minlength=len(pieces))
    settlement = np.full(len(pieces), None, dtype=object)
    order = np.lexsort((overlap, gap))  # by gap, then overlap: each gap's last is its largest
    last = order[np.r_[gap[order][1:] != gap[order][:-1], True]] if len(order) else order
    settlement[gap[last]] = names[unit[last]]
    return population, settlement


def _empty_gaps(method: str, threshold: float | None, cell: float | None) -> gpd.GeoDataFrame:
    """No gaps: the columns and ``attrs`` of :func:`coverage_gaps`, no rows."""
    frame = gpd.GeoDataFrame({"gap_id": pd.Series(dtype=int), "incidents": pd.Series(dtype=int),
                              "area_km2": pd.Series(dtype=float), "population": pd.Series(dtype=float),
                              "main_categories": pd.Series(dtype=object), "settlement": pd.Series(dtype=object)},
                             geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    frame.attrs.update(method=method, threshold=None if threshold is None else float(threshold),
                       cell=None if cell is None else float(cell))
    return frame
