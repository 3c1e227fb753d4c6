"""Today against a proposal: what new sites change in coverage, residents and distance.

One concern: evaluating a plan. The coverage itself comes from
:mod:`geo.coverage` (radius, camera areas or drive time) and the proposal from
:func:`geo.siting.site`; this module runs the same coverage measure on the
existing sites and on the existing plus the proposed ones and tabulates both,
so the planner reads the gain in the units of the service standard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.coverage import (camera_sectors, coverage_summary, drive_time_areas, drive_time_coverage,
                          nearest_facility, service_areas)
from geo.crs import local_crs, located
from geo.messages import SITE_NO_POPULATION
from geo.plain import plain_dict
from geo.categories import categories_of
from geo.stats.population import PopulationSurface

if TYPE_CHECKING:
    import pyproj

    from geo.network import RoadNetwork

__all__ = ["PlanComparison", "compare_plans", "comparison_text", "residents_added"]


@dataclass(frozen=True, eq=False)


class PlanComparison:
    """Coverage today and with the proposed sites.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per measure (``measure``, ``today``, ``proposal``,
        ``change``): incidents covered, their share, residents covered and
        their share (with boundaries), mean and median distance to the
        nearest site (stations), mean drive time (drive-time standard).
    by_category : pandas.DataFrame
        Per category: ``category``, ``label``, ``incidents``,
        ``covered_today``, ``covered_proposal``, ``newly_covered``; most
        incidents first.
    covered_today, covered_proposal : numpy.ndarray
        Bool per incident, in input order.
    """

    table: pd.DataFrame
    by_category: pd.DataFrame
    covered_today: np.ndarray
    covered_proposal: np.ndarray

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (no numpy scalars; None where a measure has no value)."""
        return {"table": [plain_dict(r) for r in self.table.to_dict(orient="records")],
                "by_category": [plain_dict(r) for r in self.by_category.to_dict(orient="records")]}


def compare_plans(incidents: gpd.GeoDataFrame, existing: gpd.GeoDataFrame | None,
                  proposed: gpd.GeoDataFrame, *, radius: float | None = None, minutes: float | None = None,
                  roads: gpd.GeoDataFrame | RoadNetwork | None = None, off_road_kmh: float = 5.0,
                  cameras: bool = False, boundaries: gpd.GeoDataFrame | None = None,
                  surface: PopulationSurface | None = None) -> PlanComparison:
    """Compare coverage by the existing sites with coverage after adding the proposed ones.

    The standard is the one the sites were chosen for: a ``radius`` in
    metres, or ``minutes`` of drive time over ``roads``. With ``cameras``,
    existing cameras cover their viewing sectors (:func:`geo.coverage.camera_sectors`,
    direction and field of view honoured) and proposed cameras, whose
    direction is not yet known, a circle of ``radius``, as the siting
    assumed.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Points with a CRS and ``category``.
    existing : geopandas.GeoDataFrame or None
        Sites in service today (points).
    proposed : geopandas.GeoDataFrame
        New sites (points), e.g. the ``chosen`` frame of :func:`geo.siting.site`.
    radius : float, optional
        Metres.
    minutes : float, optional
        Drive time; needs ``roads``. Give this or ``radius``.
    roads : geopandas.GeoDataFrame or geo.network.RoadNetwork, optional
        Road lines, or a road network built once, for the drive-time
        standard; passed as they are to the four drive-time calls (today and
        with the proposal, coverage and areas), so give a
        :class:`geo.network.RoadNetwork` to build the network once.
    off_road_kmh : float
        Speed between a point and its road (see :func:`geo.coverage.drive_time_coverage`).
    cameras : bool
        The sites are cameras (see above); radius standard only.
    boundaries : geopandas.GeoDataFrame, optional
        Units with ``population``: residents covered by areal weighting.
    surface : PopulationSurface, optional
        Where the residents live (:func:`geo.stats.population.population_surface`):
        residents covered are the surface inside the coverage, in whole people
        (replaces the areal weighting of ``boundaries``).

    Returns
    -------
    PlanComparison
    """
    if (radius is None) == (minutes is None):
        msg = "give exactly one of radius (metres) and minutes (drive time)"
        raise ValueError(msg)
    if minutes is not None and roads is None:
        msg = "the drive-time standard needs roads"
        raise ValueError(msg)
    if cameras and minutes is not None:
        msg = "cameras cover what they see: use a radius, not a drive time"
        raise ValueError(msg)
    if "category" not in incidents:
        msg = "incidents need a category column"
        raise ValueError(msg)
    crs = local_crs(incidents)
    inc = incidents.to_crs(crs)
    today_sites = _sites(existing, crs)
    new_sites = _sites(proposed, crs)
    both = pd.concat([today_sites, new_sites], ignore_index=True)

    rows: list[tuple[str, float, float]] = []
    if minutes is not None:
        dt_today = _drive(inc, today_sites, roads, minutes, off_road_kmh)
        dt_both = _drive(inc, both, roads, minutes, off_road_kmh)
        cov_today, cov_both = dt_today["covered"].to_numpy(), dt_both["covered"].to_numpy()
        area_today = _drive_areas(today_sites, roads, minutes, off_road_kmh)
        area_both = _drive_areas(both, roads, minutes, off_road_kmh)
    else:
        if cameras:
            area_today = camera_sectors(today_sites) if len(today_sites) else today_sites
            new_areas = service_areas(new_sites, radius=radius) if len(new_sites) else new_sites
            area_both = pd.concat([area_today, new_areas], ignore_index=True)
        else:
            area_today = service_areas(today_sites, radius=radius) if len(today_sites) else today_sites
            area_both = service_areas(both, radius=radius) if len(both) else both
        cov_today = _covered(inc, today_sites, area_today, radius=radius, cameras=cameras)
        cov_both = _covered(inc, both, area_both, radius=radius, cameras=cameras)

    has_xy = located(inc)
    n = int(has_xy.sum())
    rows.append(("Incidents covered", int(cov_today.sum()), int(cov_both.sum())))
    rows.append(("Share of incidents covered", _share(cov_today.sum(), n), _share(cov_both.sum(), n)))
    if surface is not None or (boundaries is not None and "population" in boundaries and len(boundaries)):
        pop_today = _residents(inc, area_today, boundaries, surface)
        pop_both = _residents(inc, area_both, boundaries, surface)
        rows.append(("Residents covered", pop_today["covered"], pop_both["covered"]))
        rows.append(("Share of residents covered", pop_today["share"], pop_both["share"]))
    if not cameras:
        if minutes is not None:
            rows.append(("Mean drive time to the nearest site, covered incidents (min)",
                         float(np.nanmean(dt_today["minutes"])) if cov_today.any() else np.nan,
                         float(np.nanmean(dt_both["minutes"])) if cov_both.any() else np.nan))
        d_today = _distances(inc, today_sites)
        d_both = _distances(inc, both)
        rows.append(("Mean distance to the nearest site (m)", _stat(d_today, np.mean), _stat(d_both, np.mean)))
        rows.append(("Median distance to the nearest site (m)", _stat(d_today, np.median),
                     _stat(d_both, np.median)))
    table = pd.DataFrame(rows, columns=["measure", "today", "proposal"])
    table["change"] = table["proposal"] - table["today"]

    cats = inc["category"].astype(str).to_numpy()
    frame = pd.DataFrame({"category": cats[has_xy], "today": cov_today[has_xy], "both": cov_both[has_xy]})
    g = frame.groupby("category", sort=False)
    by_cat = pd.DataFrame({"incidents": g.size(), "covered_today": g["today"].sum().astype(int),
                           "covered_proposal": g["both"].sum().astype(int)}).reset_index()
    by_cat["newly_covered"] = by_cat["covered_proposal"] - by_cat["covered_today"]
    names = categories_of(incidents)  # the workspace's own list when the incidents carry it
    by_cat.insert(1, "label", [names.label(str(c), "en") for c in by_cat["category"]])
    by_cat = by_cat.sort_values(["incidents", "category"], ascending=[False, True], kind="stable")
    return PlanComparison(table=table, by_category=by_cat.reset_index(drop=True), covered_today=cov_today,
                          covered_proposal=cov_both)


def comparison_text(table: pd.DataFrame) -> pd.DataFrame:
    """:attr:`PlanComparison.table` for reading: shares in % (changes in percentage points), minutes to 0.1,
    counts and metres rounded, "–" where there is no value.

    Returns
    -------
    pandas.DataFrame
        Text columns ``Measure``, ``Today``, ``With proposal`` and ``Change``.
    """

    def shown(measure: str, v: float, change: bool = False) -> str:
        if pd.isna(v):
            return "–"
        sign = "+" if change and v > 0 else ""
        if measure.startswith("Share"):
            return f"{sign}{v * 100:.1f} pp" if change else f"{v:.1%}"
        return f"{sign}{v:,.1f}" if "(min)" in measure else f"{sign}{v:,.0f}"

    rows = list(table.itertuples(index=False))
    return pd.DataFrame({"Measure": [r.measure for r in rows],
                         "Today": [shown(r.measure, r.today) for r in rows],
                         "With proposal": [shown(r.measure, r.proposal) for r in rows],
                         "Change": [shown(r.measure, r.change, change=True) for r in rows]})


def residents_added(existing_areas: gpd.GeoDataFrame | None, new_areas: gpd.GeoDataFrame,
                    boundaries: gpd.GeoDataFrame | None, *, surface: PopulationSurface | None = None) -> np.ndarray:
    """Residents each new site brings into coverage, taking the sites in order.

    Site ``r`` counts the residents (areal weighting of ``boundaries``'
    ``population``) inside the union of the existing areas and the first
    ``r`` new areas, less those inside the first ``r - 1``: the same
    accounting as the incidents newly covered by rank in :func:`geo.siting.site`.

    Parameters
    ----------
    existing_areas : geopandas.GeoDataFrame or None
        Coverage polygons of the sites in service.
    new_areas : geopandas.GeoDataFrame
        Coverage polygons of the new sites, in rank order.
    boundaries : geopandas.GeoDataFrame or None
        Units with ``population`` (areal weighting; not used with ``surface``).
    surface : PopulationSurface, optional
        Where the residents live: each site's residents are whole people
        from the surface, NaN where its area reaches a settlement whose
        residents cannot be placed (:meth:`PopulationSurface.added`).

    Returns
    -------
    numpy.ndarray
        Float per new site.
    """
    if surface is not None:
        return surface.added(existing_areas, new_areas)
    if "population" not in boundaries:
        msg = SITE_NO_POPULATION
        raise ValueError(msg)
    crs = local_crs(boundaries)
    units = boundaries[["population", boundaries.geometry.name]].to_crs(crs)
    pop = pd.to_numeric(units["population"], errors="coerce").fillna(0).to_numpy(float)
    geoms = units.geometry.to_numpy()
    area = shapely.area(geoms)
    cover = (existing_areas.to_crs(crs).union_all() if existing_areas is not None and len(existing_areas)
             else shapely.Polygon())
    last = _covered_pop(geoms, area, pop, cover)
    out = np.zeros(len(new_areas))
    for i, g in enumerate(new_areas.to_crs(crs).geometry.to_numpy()):
        cover = shapely.union(cover, g)
        now = _covered_pop(geoms, area, pop, cover)
        out[i], last = now - last, now
    return out


def _covered_pop(geoms: np.ndarray, area: np.ndarray, pop: np.ndarray, cover: shapely.Geometry) -> float:
    if cover.is_empty:
        return 0.0
    inside = shapely.area(shapely.intersection(geoms, cover))
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.nansum(np.where(area > 0, pop * inside / area, 0.0)))


def _sites(frame: gpd.GeoDataFrame | None, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """Located sites in ``crs``, keeping the columns coverage needs."""
    if frame is None or len(frame) == 0:
        return gpd.GeoDataFrame({"name": pd.Series([], dtype=object)}, geometry=gpd.GeoSeries([], crs=crs))
    keep = [c for c in ("name", "direction_deg", "fov_deg", "range_m") if c in frame]
    out = frame[[*keep, frame.geometry.name]].to_crs(crs)
    out = out[located(out)]
    if "name" not in out:
        out = out.assign(name=[f"site {i + 1}" for i in range(len(out))])
    return out.rename_geometry("geometry") if out.geometry.name != "geometry" else out


def _drive(inc: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | RoadNetwork, minutes: float,
           off_road_kmh: float) -> pd.DataFrame:
    if len(sites) == 0:
        return pd.DataFrame({"minutes": np.full(len(inc), np.nan), "covered": np.zeros(len(inc), bool)},
                            index=inc.index)
    return drive_time_coverage(inc, sites, roads, minutes=minutes, off_road_kmh=off_road_kmh)


def _drive_areas(sites: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | RoadNetwork, minutes: float,
                 off_road_kmh: float) -> gpd.GeoDataFrame:
    if len(sites) == 0:
        return sites
    return drive_time_areas(sites, roads, minutes=minutes, off_road_kmh=off_road_kmh)


def _covered(inc: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, radius: float,
             cameras: bool) -> np.ndarray:
    if len(sites) == 0:
        return np.zeros(len(inc), dtype=bool)
    if cameras:
        return coverage_summary(inc, None, areas=areas, by=None).covered
    return coverage_summary(inc, sites, radius=radius, by=None).covered


def _residents(inc: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame | None,
               surface: PopulationSurface | None = None) -> dict[str, float]:
    if surface is not None:
        pop = coverage_summary(inc.iloc[:0], None, areas=areas, surface=surface, by=None).population \
            if len(areas) else {"covered": 0.0, "share": 0.0 if surface.total else np.nan}
        return {"covered": float(pop["covered"]), "share": float(pop["share"])}
    if len(areas) == 0:
        total = float(pd.to_numeric(boundaries["population"], errors="coerce").fillna(0).sum())
        return {"covered": 0.0, "share": 0.0 if total else np.nan}
    pop = coverage_summary(inc.iloc[:0], None, areas=areas, boundaries=boundaries, by=None).population
    return {"covered": float(pop["covered"]), "share": float(pop["share"])}


def _distances(inc: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> np.ndarray:
    if len(sites) == 0:
        return np.full(len(inc), np.nan)
    return nearest_facility(inc, sites)["distance_m"].to_numpy()


def _stat(values: np.ndarray, fn: Callable[[np.ndarray], float]) -> float:
    ok = values[np.isfinite(values)]
    return float(fn(ok)) if len(ok) else np.nan


def _share(part: float, whole: int) -> float:
    return float(part) / whole if whole else np.nan
