"""The data-health check: what in a workspace makes its rates, coverage and maps untrustworthy.

An analysis can be exact and still answer the wrong question: incidents of
one city divided by the population of another country's villages, stations
10,000 km from every incident, nine rows in ten in "other". None of these
is an error a reader would see in a number, so :func:`check_health` looks
for them after every import and the pages say, in plain words, what is
wrong and what to do:

* incidents outside every settlement (count and share; the rest is studied);
* all of them outside, or the incidents' extent more than ``apart_km`` from
  the boundaries' (a wrong coordinate system or another place's boundaries);
* incidents imported into a workspace whose boundaries are still the demo's
  (its metadata says ``synthetic``, and the import log has incidents but no
  boundaries);
* settlements without population (no rate);
* stations or cameras more than ``far_km`` from the incidents' extent;
* a category map that leaves more than ``other_share`` of the incidents in
  "other", with the commonest labels and the category their words suggest.

Distances are great-circle distances from WGS84 coordinates to a bounding
box: a check of data that may lie on two continents has no single metric
CRS, and kilometres to the nearest edge are all it needs. The check reads
columns only (the ``unit`` column of :func:`geo.select.assign_units` when
present): about 0.04 s for the 21,559 located Chicago incidents of September 2014.

Messages are written in English from the templates of :mod:`geo.messages`
(``HEALTH_*``); a page translates them with ``Tr.message`` or, with locale
numbers, from :attr:`Finding.template` and :attr:`Finding.fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import messages as M
from geo.checks import check_positive
from geo.crs import WGS84
from geo.io import categories as _categories
from geo.select import UNASSIGNED, unit_of

__all__ = [
    "ALL_OUTSIDE", "DEMO_BOUNDARIES", "FAR_APART", "FAR_CAMERAS", "FAR_STATIONS", "NO_POPULATION", "OTHER_CATEGORY",
    "OUTSIDE", "INFO", "WARNING", "ERROR", "Finding", "HealthReport", "check_health", "suggested_category",
]

# The finding codes (stable: pages and tests key on them).
OUTSIDE = "outside"
ALL_OUTSIDE = "all_outside"
FAR_APART = "far_apart"
DEMO_BOUNDARIES = "demo_boundaries"
NO_POPULATION = "no_population"
FAR_STATIONS = "far_stations"
FAR_CAMERAS = "far_cameras"
OTHER_CATEGORY = "other_category"

ERROR, WARNING, INFO = "error", "warning", "info"
EARTH_KM = 6371.0088
SHOWN_NAMES = 5  # names listed in a message; the finding keeps them all


@dataclass(frozen=True)
class Finding:
    """One problem the check found.

    Attributes
    ----------
    code : str
        What kind of problem (``OUTSIDE``, ``NO_POPULATION`` ...).
    severity : str
        ``"error"``: the numbers it touches are wrong as shown (a rate from
        another place's population); ``"warning"``: they hold with a caveat;
        ``"info"``: worth knowing, changes little (a few incidents outside).
    template : str
        The ``geo.messages`` template of the message.
    fields : mapping
        The template's fields as values (numbers as numbers; ``share`` a
        fraction, ``names`` the listed names joined).
    names : tuple of str
        Every name concerned (settlements, stations, labels), not only those listed.
    suggestions : tuple of (str, str, int)
        For ``OTHER_CATEGORY``: label, suggested category, rows, for the
        labels whose words suggest a category.
    """

    code: str
    severity: str
    template: str
    fields: Mapping[str, object] = field(default_factory=dict)
    names: tuple[str, ...] = ()
    suggestions: tuple[tuple[str, str, int], ...] = ()

    @property
    def message(self) -> str:
        """The finding in English (as stored and logged)."""
        return self.template.format(**{k: _plain(k, v) for k, v in self.fields.items()})


@dataclass(frozen=True)
class HealthReport:
    """Every finding of :func:`check_health`, most serious first, and the counts they rest on."""

    findings: tuple[Finding, ...]
    incidents: int = 0
    outside: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def get(self, code: str) -> Finding | None:
        """The finding of ``code``, or None."""
        return next((f for f in self.findings if f.code == code), None)

    @property
    def mismatched(self) -> bool:
        """Whether incidents and boundaries describe different places, so no rate may use the boundaries."""
        return any(c in self.codes for c in (ALL_OUTSIDE, FAR_APART)) or (
            DEMO_BOUNDARIES in self.codes and self.outside > 0)

    @property
    def messages(self) -> list[str]:
        return [f.message for f in self.findings]


def check_health(layers: Mapping[str, gpd.GeoDataFrame | None], *, meta: Mapping[str, str] | None = None,
                 import_log: pd.DataFrame | None = None, far_km: float = 50.0, apart_km: float = 1000.0,
                 other_share: float = 0.25, outside_share: float = 0.05, top: int = 5,
                 categories: object = None) -> HealthReport:
    """Check a workspace's layers for what would make its numbers wrong.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        ``incidents``, ``stations``, ``cameras``, ``boundaries`` (missing or
        None: empty). Incidents with the ``unit`` column of
        :func:`geo.select.assign_units` are not placed again.
    meta : mapping, optional
        The workspace's metadata (``synthetic`` is "true" or "mixed" for the demo).
    import_log : pandas.DataFrame, optional
        The workspace's import log (``layer``, ``source``).
    far_km : float
        A station or camera farther than this from the incidents' extent is reported.
    apart_km : float
        Incidents and boundaries whose extents are farther apart than this are reported.
    other_share : float
        Share of the incidents in "other" above which the category map is reported.
    outside_share : float
        Share of the incidents outside every settlement from which that is a
        warning (below it, information: the pages already count them out).
    top : int
        Labels listed for the "other" finding.
    categories : geo.categories.CategoryList, optional
        The workspace's categories, which alone may be suggested (the default list when None).

    Returns
    -------
    HealthReport
    """
    check_positive(far_km, "far_km")
    check_positive(apart_km, "apart_km")
    incidents = _frame(layers, "incidents")
    boundaries = _frame(layers, "boundaries")
    found: list[Finding] = []
    total = len(incidents)
    outside = 0
    if total and len(boundaries):
        inside = _inside(incidents, boundaries)
        outside = int((~inside).sum())
        areas = _areas(boundaries)
        if outside == total:
            found.append(_finding(ALL_OUTSIDE, ERROR, M.HEALTH_ALL_OUTSIDE, total=total, names=areas))
        elif outside:
            found.append(_finding(OUTSIDE, WARNING if outside / total >= outside_share else INFO, M.HEALTH_OUTSIDE, n=outside, total=total, share=outside / total,
                                  inside=total - outside, names=areas))
        gap = _box_gap_km(_box(incidents), _box(boundaries))
        if gap > apart_km:
            found.append(_finding(FAR_APART, ERROR, M.HEALTH_FAR_APART, km=round(gap)))
    if total and _demo_boundaries(meta, import_log):
        found.append(_finding(DEMO_BOUNDARIES, ERROR if outside else WARNING, M.HEALTH_DEMO_BOUNDARIES,
                              file=_last_source(import_log, "incidents")))
    if len(boundaries):
        pop = pd.to_numeric(boundaries["population"], errors="coerce") if "population" in boundaries else \
            pd.Series(np.nan, index=boundaries.index)
        missing = ~(pop > 0).to_numpy()
        if missing.any():
            names = tuple(boundaries["name"].astype(str).to_numpy()[missing]) if "name" in boundaries else ()
            found.append(_finding(NO_POPULATION, WARNING, M.HEALTH_NO_POPULATION, n=int(missing.sum()),
                                  total=len(boundaries), names=names))
    if total:
        box = _box(incidents)
        for code, name, template in ((FAR_STATIONS, "stations", M.HEALTH_FAR_STATIONS),
                                     (FAR_CAMERAS, "cameras", M.HEALTH_FAR_CAMERAS)):
            sites = _frame(layers, name)
            if len(sites) == 0:
                continue
            far = _to_box_km(sites, box) > far_km
            if far.any():
                names = tuple(sites["name"].astype(str).to_numpy()[far]) if "name" in sites else ()
                found.append(_finding(code, WARNING, template, n=int(far.sum()), total=len(sites), km=round(far_km),
                                      names=names))
        if other := _other_categories(incidents, other_share=other_share, top=top, categories=categories):
            found.append(other)
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    found.sort(key=lambda f: order.get(f.severity, 2))
    return HealthReport(tuple(found), incidents=total, outside=outside)


def suggested_category(label: str) -> str:
    """The category a label's words suggest (the import's keyword rules); ``other`` if none."""
    return _categories.rule_category(label)


# ---------------------------------------------------------------------------------------------- pieces

def _finding(code: str, severity: str, template: str, *, names: tuple[str, ...] | list[str] = (),
             suggestions: tuple[tuple[str, str, int], ...] = (), **fields: object) -> Finding:
    names = tuple(str(n) for n in names)
    if "{names}" in template:
        listed = ", ".join(names[:SHOWN_NAMES]) + (" …" if len(names) > SHOWN_NAMES else "")
        fields["names"] = listed
    return Finding(code, severity, template, dict(fields), names, suggestions)


def _plain(key: str, value: object) -> str:
    if key == "share" and isinstance(value, float):
        return f"{value:.0%}"
    return str(value)


def _frame(layers: Mapping[str, gpd.GeoDataFrame | None], name: str) -> gpd.GeoDataFrame:
    frame = layers.get(name)
    if frame is None or len(frame) == 0:
        return gpd.GeoDataFrame(geometry=[], crs=WGS84)
    return frame[frame.geometry.notna() & ~frame.geometry.is_empty]


def _inside(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> np.ndarray:
    if "unit" in incidents:
        return (incidents["unit"].fillna(UNASSIGNED) != UNASSIGNED).to_numpy()
    return unit_of(incidents, boundaries) >= 0


def _areas(boundaries: gpd.GeoDataFrame) -> tuple[str, ...]:
    """The areas the boundaries hold (their names where they have none)."""
    if "area" in boundaries:
        areas = sorted({str(a) for a in boundaries["area"].dropna() if str(a)})
        if areas:
            return tuple(areas)
    return tuple(boundaries["name"].astype(str)) if "name" in boundaries else ()


def _lonlat(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    geom = frame.geometry.to_crs(WGS84) if frame.crs is not None else frame.geometry
    if not (geom.geom_type == "Point").all():
        geom = geom.representative_point()
    return geom.x.to_numpy(dtype=float), geom.y.to_numpy(dtype=float)


def _box(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """The WGS84 bounding box (of the points' coordinates for points, else of the shapes)."""
    geom = frame.geometry.to_crs(WGS84) if frame.crs is not None else frame.geometry
    x0, y0, x1, y1 = geom.total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def _haversine_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _to_box_km(frame: gpd.GeoDataFrame, box: tuple[float, float, float, float]) -> np.ndarray:
    """Great-circle distance from each feature to the nearest point of ``box`` (0 inside it)."""
    x, y = _lonlat(frame)
    x0, y0, x1, y1 = box
    return _haversine_km(x, y, np.clip(x, x0, x1), np.clip(y, y0, y1))


def _box_gap_km(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Great-circle distance between the nearest points of two boxes (0 where they overlap)."""
    def nearest(lo_a: float, hi_a: float, lo_b: float, hi_b: float) -> tuple[float, float]:
        if hi_a < lo_b:
            return hi_a, lo_b
        if hi_b < lo_a:
            return lo_a, hi_b
        mid = (max(lo_a, lo_b) + min(hi_a, hi_b)) / 2
        return mid, mid

    xa, xb = nearest(a[0], a[2], b[0], b[2])
    ya, yb = nearest(a[1], a[3], b[1], b[3])
    return float(_haversine_km(xa, ya, xb, yb))


def _demo_boundaries(meta: Mapping[str, str] | None, log: pd.DataFrame | None) -> bool:
    """Incidents were imported into the demo and its boundaries were never replaced."""
    if not meta or str(meta.get("synthetic", "")).lower() not in ("true", "mixed"):
        return False
    if log is None or len(log) == 0 or "layer" not in log:
        return False
    layers = set(log["layer"].astype(str))
    return "incidents" in layers and "boundaries" not in layers


def _last_source(log: pd.DataFrame | None, layer: str) -> str:
    if log is None or "layer" not in log or "source" not in log:
        return ""
    rows = log[log["layer"].astype(str) == layer]
    return str(rows["source"].iloc[-1]) if len(rows) else ""


def _other_categories(incidents: gpd.GeoDataFrame, *, other_share: float, top: int,
                      categories: object = None) -> Finding | None:
    if "category" not in incidents:
        return None
    other = (incidents["category"].astype(str) == "other").to_numpy()
    n, total = int(other.sum()), len(incidents)
    if n == 0 or n / total <= other_share:
        return None
    labels = (incidents.loc[other, "raw_category"] if "raw_category" in incidents
              else pd.Series(dtype=object)).dropna().astype(str).str.strip()
    labels = labels[labels != ""]
    suggest = getattr(_categories, "suggest_categories", None)  # the label words in ru, ky and en, where it exists
    if callable(suggest):
        table = suggest(labels, **({"categories": categories} if categories is not None else {}))
        names = tuple(table["label"].astype(str))
        suggestions = tuple((str(label), str(cat), int(rows)) for label, cat, rows
                            in zip(table["label"], table["suggested"], table["rows"], strict=True) if cat != "other")
    else:
        counts = labels.value_counts()
        names = tuple(counts.index)
        suggestions = tuple((label, cat, int(rows)) for label, rows in counts.items()
                            if (cat := suggested_category(label)) != "other")
    return _finding(OTHER_CATEGORY, WARNING, M.HEALTH_OTHER, n=n, total=total, share=n / total,
                    names=names[:max(top, 0)] if top else names, suggestions=suggestions)
