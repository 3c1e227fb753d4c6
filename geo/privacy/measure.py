"""How well the masking protects: spatial k-anonymity, displacement, and a leak checker for tests.

Spatial k-anonymity as MaskMyPy 1.1.0 computes it with address points
(``maskmypy.analysis.k_anonymity`` / ``_calculate_k``): around each masked
point, a circle whose radius is the point's displacement; k is the number of
candidate addresses in it, plus one for the true location itself. Someone who
knows the masked point and the masking's rule cannot tell the true location
from any of those k.

Reimplemented, not imported: MaskMyPy needs osmnx and scikit-learn (heavy, and
nothing else here uses them) and buffers each point into a 64-vertex polygon;
here a KD-tree counts the candidates within the exact radius. The
candidates are the recorded incidents (the workspace has no address layer):
each incident marks a place where people are, and there are fewer incidents
than addresses, so the k reported is a floor of the k that real addresses give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

from geo import messages as M
from geo.crs import WGS84, local_crs, metric_xy
from geo.i18n import Tr
from geo.privacy.policy import (
    ANCHOR_FEW_TEXT,
    DISPLACEMENT_TEXT,
    FALLBACK_TEXT,
    K_TEXT,
    METHOD_TEXTS,
    SENSITIVE_TEXT,
    SMALL_COUNT_TEXT,
)

# A circle's edge counts as inside (MaskMyPy's buffers intersect what they touch); this keeps a
# candidate exactly on the edge (the true point itself, when the candidates hold it) inside.
EDGE = 1e-9


def k_anonymity_xy(true_xy: np.ndarray, masked_xy: np.ndarray, addresses_xy: np.ndarray | None = None, *,
                   addresses_include_true: bool = False) -> np.ndarray:
    """Spatial k-anonymity of each masked point (metric coordinates, ``(n, 2)`` arrays).

    Parameters
    ----------
    true_xy, masked_xy : numpy.ndarray
        Each point's true and masked position, aligned.
    addresses_xy : numpy.ndarray, optional
        Candidate addresses. Default: the true points themselves.
    addresses_include_true : bool
        Whether ``addresses_xy`` holds the true points (the default's case):
        then each true point is already counted, on its circle's edge, and no
        one is added.

    Returns
    -------
    numpy.ndarray
        Integer k per point: candidates within the displacement of the masked point, plus the true point.
    """
    true_xy = np.asarray(true_xy, dtype=float).reshape(-1, 2)
    masked_xy = np.asarray(masked_xy, dtype=float).reshape(-1, 2)
    if len(true_xy) != len(masked_xy):
        msg = M.PRIVACY_NOT_ALIGNED.format(n=len(true_xy), m=len(masked_xy))
        raise ValueError(msg)
    if addresses_xy is None:
        addresses_xy, addresses_include_true = true_xy, True
    if len(masked_xy) == 0:
        return np.zeros(0, dtype=np.int64)
    r = np.hypot(*(masked_xy - true_xy).T)
    if len(addresses_xy) == 0:
        return np.ones(len(r), dtype=np.int64)
    found = cKDTree(np.asarray(addresses_xy, dtype=float)).query_ball_point(
        masked_xy, r * (1 + EDGE) + EDGE, return_length=True)
    k = np.asarray(found, dtype=np.int64)
    return np.maximum(k, 1) if addresses_include_true else k + 1


def k_anonymity(incidents: gpd.GeoDataFrame, masked: gpd.GeoDataFrame | gpd.GeoSeries, *,
                addresses: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """Spatial k-anonymity of each masked point, the frames aligned row by row (MaskMyPy's measure).

    ``addresses`` default: the incidents themselves (each counts as one
    candidate; its own true point is the "+1").
    """
    crs = local_crs(incidents)
    tx, ty, _ok = metric_xy(incidents, crs, what="incidents")
    mx, my, _ok2 = metric_xy(masked, crs, what="masked points")
    if addresses is None:
        return k_anonymity_xy(np.column_stack([tx, ty]), np.column_stack([mx, my]))
    ax, ay, aok = metric_xy(addresses, crs, what="addresses")
    return k_anonymity_xy(np.column_stack([tx, ty]), np.column_stack([mx, my]), np.column_stack([ax[aok], ay[aok]]))


def displacement_stats(distances: np.ndarray) -> dict[str, float]:
    """``min``, ``median``, ``mean`` and ``max`` of displacements in metres (zeros when there are none)."""
    d = np.asarray(distances, dtype=float)
    d = d[np.isfinite(d)]
    if len(d) == 0:
        return {"min": 0.0, "median": 0.0, "mean": 0.0, "max": 0.0}
    return {"min": float(d.min()), "median": float(np.median(d)), "mean": float(d.mean()), "max": float(d.max())}


def displacement(incidents: gpd.GeoDataFrame, masked: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    """How far each masked point lies from its true one, metres (frames aligned row by row)."""
    crs = local_crs(incidents)
    tx, ty, _ok = metric_xy(incidents, crs, what="incidents")
    mx, my, _ok2 = metric_xy(masked, crs, what="masked points")
    return np.hypot(mx - tx, my - ty)


def leaks(payload_coordinates: object, incidents: gpd.GeoDataFrame, *, min_m: float) -> gpd.GeoDataFrame:
    """The recorded incidents that lie within ``min_m`` of any coordinate a browser received.

    Parameters
    ----------
    payload_coordinates : array-like of (lon, lat), or geopandas.GeoSeries / GeoDataFrame
        Coordinates found in the payloads (:func:`coordinates_in_text` reads
        them from page HTML, websocket messages, JSON and files), WGS84
        longitude first; pairs that cannot be WGS84 are ignored. A
        GeoSeries or GeoDataFrame gives its points' coordinates (any CRS).
    incidents : geopandas.GeoDataFrame
        The recorded incidents.
    min_m : float
        The masking's minimum displacement, metres.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of ``incidents`` so found (none: an empty frame).
    """
    if isinstance(payload_coordinates, (gpd.GeoDataFrame, gpd.GeoSeries)):
        g = payload_coordinates.geometry if isinstance(payload_coordinates, gpd.GeoDataFrame) else payload_coordinates
        xy = shapely.get_coordinates(np.asarray(g.to_crs(WGS84).to_numpy()))
    else:
        xy = np.asarray(payload_coordinates, dtype=float).reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1) & (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 84)]
    if len(xy) == 0 or len(incidents) == 0:
        return incidents.iloc[:0]
    crs = local_crs(incidents)
    x, y, ok = metric_xy(incidents, crs, what="incidents")
    payload = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=WGS84)
    px, py, pok = metric_xy(payload, crs)
    pts = np.column_stack([px[pok], py[pok]])
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0 or not ok.any():
        return incidents.iloc[:0]
    d = np.full(len(x), np.inf)
    d[ok] = cKDTree(pts).query(np.column_stack([x[ok], y[ok]]), k=1)[0]
    return incidents.iloc[np.flatnonzero(d < min_m)]


_NUMBER = r"-?\d{1,3}\.\d{3,}"
_PAIR = re.compile(rf"({_NUMBER})\s*[,\s]\s*({_NUMBER})")


def coordinates_in_text(text: str) -> np.ndarray:
    """Every pair of decimal numbers in ``text`` that could be a coordinate, as (lon, lat) rows, both orders.

    For the browser tests: a payload (HTML, JSON, a websocket frame decoded
    as text, a CSV) may write a point as ``[lon, lat]``, ``lat,lon`` or
    ``"x": lon, "y": lat``; each adjacent pair is taken both ways, so a
    leak is found whatever the order. Numbers need three decimals or more
    (a coordinate to 100 m).
    """
    pairs = [(float(a), float(b)) for a, b in _PAIR.findall(text)]
    if not pairs:
        return np.empty((0, 2))
    p = np.array(pairs)
    return np.vstack([p, p[:, ::-1]])


@dataclass(frozen=True)
class PrivacyReport:
    """What the page and the pack print about a masking: method, parameters and measures.

    Built from a masked frame's ``attrs["privacy"]`` (:meth:`of`).
    """

    method: str
    params: dict = field(default_factory=dict)
    points: int = 0
    k_min: float = 0.0
    k_median: float = 0.0
    k_mean: float = 0.0
    displacement_min: float = 0.0
    displacement_median: float = 0.0
    displacement_max: float = 0.0
    withheld_sensitive: int = 0
    fallback: int = 0
    near_recorded: int = 0

    @classmethod
    def of(cls, frame: gpd.GeoDataFrame) -> PrivacyReport:
        """The report of a frame returned by :func:`geo.privacy.viewer_incidents` or a count function."""
        info = dict(frame.attrs.get("privacy", {}))
        names = set(cls.__dataclass_fields__) - {"method", "params"}
        measures = {k: info.pop(k) for k in list(info) if k in names}
        return cls(method=str(info.get("method", "")), params=info, **measures)

    def lines(self, *, lang: str = "en") -> list[str]:
        """The report in plain words, one sentence per line, in ``lang``."""
        _ = Tr(lang)
        p = self.params
        out = []
        if self.method in METHOD_TEXTS:
            out.append(_(METHOD_TEXTS[self.method], min_m=_.int(float(p.get("min_m", 0))),
                         max_m=_.int(float(p.get("max_m", 0))), k=_.int(int(p.get("k", 0)))))
        if self.method != "aggregate" and self.points:
            out.append(_(DISPLACEMENT_TEXT, low=_.int(self.displacement_min), high=_.int(self.displacement_max),
                         median=_.int(self.displacement_median)))
            out.append(_(K_TEXT, k_min=_.int(self.k_min), k_median=_.num(self.k_median, 1)))
            if self.fallback and self.method == "donut":
                out.append(_(FALLBACK_TEXT, n=_.int(self.fallback), max_m=_.int(float(p.get("max_m", 0)))))
            elif self.fallback:
                out.append(_(ANCHOR_FEW_TEXT, n=_.int(self.fallback), k=_.int(int(p.get("k", 0)))))
        out.append(_(SENSITIVE_TEXT))
        out.append(_(SMALL_COUNT_TEXT, n=_.int(int(p.get("min_count", 3)))))
        return out
