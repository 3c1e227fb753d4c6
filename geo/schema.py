"""The data model: the five layer types, their fields, and validation.

Every layer that enters the platform (demo generator, import, workspace) passes
through :func:`validate`, which returns the rows it accepts and, separately,
the rows it rejects with a reason each. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo.categories import DEFAULT_CATEGORIES, DEFAULT_LABELS, CategoryList

# The default list of categories (geo.categories): a workspace keeps its own (geo.io.categories.read_categories).
CATEGORIES: tuple[str, ...] = DEFAULT_CATEGORIES.keys

# English labels of the default keys, marked for the catalog: show a workspace's categories with
# ``CategoryList.label(key, lang)``, which falls back on ``t(CATEGORY_LABELS[c])`` (geo.i18n.Tr).
CATEGORY_LABELS: dict[str, str] = DEFAULT_LABELS

STATION_KINDS: tuple[str, ...] = ("headquarters", "station", "post", "prevention_centre")


@dataclass(frozen=True)
class Field:
    """One attribute of a layer type."""

    name: str
    kind: str  # "str", "int", "float", "datetime", "date", "category", "station_kind"
    required: bool = False
    description: str = ""
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class LayerSpec:
    """A layer type: its geometry and fields."""

    name: str
    geometry: tuple[str, ...]
    fields: tuple[Field, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


POINT = ("Point",)
AREA = ("Polygon", "MultiPolygon")
LINE = ("LineString", "MultiLineString")

LAYERS: dict[str, LayerSpec] = {
    "incidents": LayerSpec(
        "incidents",
        POINT,
        (
            Field("id", "str", True, "registry number, unique"),
            Field("occurred_at", "datetime", True, "date and time of the incident"),
            Field("category", "category", True, "one of the platform's categories"),
            Field("description", "str", False, "free text from the registry"),
            Field("raw_category", "str", False, "offence label as registered"),
            # an upper bound: one row weighing 1e308 would make every total and density infinite
            Field("weight", "float", False, "weight in analyses (default 1)", 0, 1e6),
        ),
        "registered crimes and incidents, one point each",
    ),
    "stations": LayerSpec(
        "stations",
        POINT,
        (
            Field("name", "str", True, "station name"),
            Field("kind", "station_kind", False, "headquarters, station, post, prevention_centre"),
            Field("opened", "date", False, "opening date"),
            Field("address", "str", False, "street address"),
            Field("name_ru", "str", False, "name in Russian"),
            Field("name_ky", "str", False, "name in Kyrgyz"),
        ),
        "police stations, posts and crime-prevention centres",
    ),
    "cameras": LayerSpec(
        "cameras",
        POINT,
        (
            Field("name", "str", False, "camera name or number"),
            Field("direction_deg", "float", False, "viewing direction, degrees clockwise from north", 0, 360),
            Field("fov_deg", "float", False, "horizontal field of view, degrees", 0, 360),
            Field("range_m", "float", False, "useful viewing range, metres", 0, 5000),
            Field("installed", "date", False, "installation date"),
            Field("name_ru", "str", False, "name in Russian"),
            Field("name_ky", "str", False, "name in Kyrgyz"),
        ),
        "video surveillance cameras",
    ),
    "boundaries": LayerSpec(
        "boundaries",
        AREA,
        (
            Field("name", "str", True, "settlement or district name"),
            # names repeat (villages of one name in two rayons, block groups 1-7 in every tract): counts, joins
            # and filters go by this id; optional, a layer without it gets one (geo.select.unit_ids)
            Field("unit_id", "str", False, "the unit's own id or code, unique in the layer"),
            # optional: a layer of rayons without census figures still maps; its rates show "no population"
            # at most 1e8: above that it is a typing error (and 1e20 is no 64-bit integer at all)
            Field("population", "int", False, "resident population", 0, 1e8),
            Field("area", "str", False, "municipality the unit belongs to (e.g. Bishkek)"),
            Field("district", "str", False, "parent district, where the unit is part of one"),
            Field("name_ru", "str", False, "name in Russian"),
            Field("name_ky", "str", False, "name in Kyrgyz"),
            Field("area_ru", "str", False, "municipality's name in Russian"),
            Field("area_ky", "str", False, "municipality's name in Kyrgyz"),
        ),
        "settlement or district polygons with population",
    ),
    "roads": LayerSpec(
        "roads",
        LINE,
        (
            Field("name", "str", False, "road name"),
            Field("road_class", "str", False, "motorway, primary, secondary, tertiary, residential"),
            Field("speed_kmh", "float", False, "typical speed, km/h", 0, 200),
            Field("name_ru", "str", False, "name in Russian"),
            Field("name_ky", "str", False, "name in Kyrgyz"),
        ),
        "road centre lines",
    ),
    # what was done, where and when: evaluated by geo.evaluate (issue 16)
    "interventions": LayerSpec(
        "interventions",
        POINT + LINE + AREA,
        (
            Field("name", "str", True, "what the action is called, unique in the layer"),
            Field("kind", "str", False, "station, post, camera, lighting, patrol, awareness, youth_work, other"),
            Field("started", "date", True, "the day it started"),
            Field("ended", "date", False, "the day it ended (empty: still running)"),
            Field("categories", "str", False, "the categories it targets, comma-separated keys"),
            Field("cost", "float", False, "its cost, in soms", 0, 1e12),
            Field("name_ru", "str", False, "name in Russian"),
            Field("name_ky", "str", False, "name in Kyrgyz"),
        ),
        "crime-prevention actions: stations, cameras, lighting, patrols, campaigns",
    ),
}


class SchemaError(ValueError):
    """A layer cannot be used at all (missing column, wrong geometry, no CRS)."""


AREA_MARGIN_DEG = 5.0
"""Degrees added around a CRS's area of use: data a little beyond a zone's edge is common and fine
(all of Kyrgyzstan, 69-80.3° E, is often kept in UTM 43N, whose area of use is 72-78° E)."""


@dataclass(frozen=True)
class AreaOfUse:
    """Where a CRS's coordinates mean something: a box in the CRS's own units, and words for messages."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    crs: str  # "EPSG:4326", or the CRS's name when it has no EPSG code
    words: str  # the box in degrees, for a person
    geographic: bool

    def outside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """True where a (finite) coordinate lies outside the box."""
        return (x < self.xmin) | (x > self.xmax) | (y < self.ymin) | (y > self.ymax)


def area_of_use(crs: object) -> AreaOfUse | None:
    """The box in which coordinates of ``crs`` are plausible, or None when pyproj knows no area.

    The CRS's area of use (``pyproj.CRS.area_of_use``), widened by
    :data:`AREA_MARGIN_DEG` but never beyond ±180° and ±90°, so WGS84 gets
    exactly longitude -180 to 180 and latitude -90 to 90. For a projected CRS
    the box is that area carried into the CRS's units.
    """
    try:
        crs = CRS.from_user_input(crs)
    except Exception:  # pyproj raises CRSError and TypeError; no CRS, no box
        return None
    return _area_box(crs)


def _deg(v: float, pos: str, neg: str) -> str:
    return f"{abs(v):g}°{pos if v >= 0 else neg}"


def _area_box(crs: CRS) -> AreaOfUse | None:
    area = crs.area_of_use
    if area is None:
        return None
    auth = crs.to_authority(min_confidence=100)  # exact match only: cheap, no database search
    name = ":".join(auth) if auth else crs.name
    w, s, e, n = area.bounds
    m = AREA_MARGIN_DEG
    if crs.is_geographic:
        if crs.axis_info and crs.axis_info[0].unit_name not in ("degree", "degree minute second hemisphere"):
            return None  # grads or radians: a box in degrees would be wrong
        if w > e:  # crosses the antimeridian: any longitude
            w, e = -180.0, 180.0
        w, s, e, n = max(w - m, -180.0), max(s - m, -90.0), min(e + m, 180.0), min(n + m, 90.0)
        return AreaOfUse(w, s, e, n, name, f"longitude {w:g} to {e:g}, latitude {s:g} to {n:g}", True)
    words = (f"{_deg(w, 'E', 'W')} to {_deg(e, 'E', 'W')}, {_deg(s, 'N', 'S')} to {_deg(n, 'N', 'S')}, "
             f"with a {m:g}° margin")
    wide = (w - m if w - m >= -180 else w, max(s - m, -89.0), e + m if e + m <= 180 else e, min(n + m, 89.0))
    try:
        to_crs = Transformer.from_crs(4326, crs, always_xy=True)
        for box in (wide, (w, s, e, n)):  # the margin can reach where the projection breaks down
            b = to_crs.transform_bounds(*box, densify_pts=51)
            if np.isfinite(b).all() and b[0] < b[2] and b[1] < b[3]:
                return AreaOfUse(*b, name, words, False)
    except Exception:  # pyproj's ProjError and others: without a box, only finiteness is checked
        return None
    return None


@dataclass
class Validation:
    """Outcome of :func:`validate`: accepted rows and rejected rows with reasons.

    ``rejected`` keeps every original column plus ``row`` (position in the
    input, counted from 1 like a spreadsheet's data rows), ``field`` and
    ``reason``.
    """

    layer: str
    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame

    @property
    def counts(self) -> dict[str, int]:
        return {
            "read": len(self.accepted) + len(self.rejected),
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
        }


def _bound(v: float) -> str:
    """A range limit as a person writes it: 360, 0.5, 1,000,000."""
    return f"{v:,.0f}" if v == int(v) and abs(v) >= 1e4 else f"{v:g}"


def spec(layer: str) -> LayerSpec:
    """Return the spec of a layer type, with a clear error for an unknown one."""
    try:
        return LAYERS[layer]
    except KeyError:
        msg = f"unknown layer type {layer!r}; expected one of {', '.join(LAYERS)}"
        raise SchemaError(msg) from None


def validate(gdf: gpd.GeoDataFrame, layer: str, *, source: str = "<data>",
             categories: CategoryList | Iterable[str] | None = None) -> Validation:
    """Check a layer against its spec, coercing field types.

    Parameters
    ----------
    gdf
        The layer, with a CRS.
    layer
        One of :data:`LAYERS`.
    source
        File name used in messages.
    categories
        The workspace's categories (:class:`geo.categories.CategoryList` or keys) that ``category``
        may hold; the default list when not given.

    Returns
    -------
    Validation
        Accepted rows (typed, original index dropped) and rejected rows with
        ``row``, ``field`` and ``reason``.

    Raises
    ------
    SchemaError
        If the layer cannot be used at all: a required column is missing, it
        has no CRS, or it is not a GeoDataFrame.
    """
    s = spec(layer)
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        msg = f"{source}: {layer} must be a GeoDataFrame with a geometry column"
        raise SchemaError(msg)
    if gdf.crs is None:
        msg = f"{source}: {layer} has no coordinate reference system; give one (e.g. EPSG:4326)"
        raise SchemaError(msg)
    missing = [c for c in s.required if c not in gdf.columns]
    if missing:
        have = ", ".join(map(str, gdf.columns.drop(gdf.geometry.name))) or "none"
        msg = f"{source}: {layer} lacks required column(s) {', '.join(missing)} (columns present: {have})"
        raise SchemaError(msg)

    out = gdf.reset_index(drop=True).copy()
    n = len(out)
    reason = np.full(n, "", dtype=object)
    bad_field = np.full(n, "", dtype=object)

    def reject(mask: np.ndarray, fname: str, why: str) -> None:
        mask = np.asarray(mask, dtype=bool) & (reason == "")
        reason[mask] = why
        bad_field[mask] = fname

    geom = out.geometry
    reject(geom.isna().to_numpy() | geom.is_empty.to_numpy(), "geometry", "no geometry")
    gtype = geom.geom_type.to_numpy()
    reject(~np.isin(gtype, s.geometry) & (reason == ""), "geometry",
           f"geometry is not {' or '.join(s.geometry)}")
    coords, owner = shapely.get_coordinates(geom.to_numpy(), return_index=True)
    nonfinite = np.zeros(n, dtype=bool)
    nonfinite[owner[~np.isfinite(coords).all(axis=1)]] = True
    reject(nonfinite, "geometry", "coordinates are not finite numbers")
    area = area_of_use(gdf.crs)
    if area is not None and len(coords):
        # one point at (1e308, 1e308) or at longitude 200 would break every map and analysis of the layer
        far = np.zeros(n, dtype=bool)
        with np.errstate(invalid="ignore"):
            far[owner[area.outside(coords[:, 0], coords[:, 1])]] = True
        reject(far, "geometry", f"coordinates are outside the area of use of {area.crs} ({area.words})")

    for f in s.fields:
        if f.name not in out.columns:
            continue
        col = out[f.name]
        present = col.notna().to_numpy()
        if f.kind in ("str", "category", "station_kind"):
            out[f.name] = col.astype("string").str.strip()
            present = out[f.name].notna().to_numpy() & (out[f.name] != "").fillna(False).to_numpy()
            if f.kind == "category":
                keys = CategoryList.of(categories).keys
                ok = out[f.name].isin(keys).fillna(False).to_numpy()
                reject(present & ~ok, f.name, f"{f.name} is not one of {', '.join(keys)}")
            if f.kind == "station_kind":
                ok = out[f.name].isin(STATION_KINDS).fillna(False).to_numpy()
                reject(present & ~ok, f.name, f"{f.name} is not one of {', '.join(STATION_KINDS)}")
        elif f.kind in ("int", "float"):
            num = pd.to_numeric(col, errors="coerce")
            reject(present & num.isna().to_numpy(), f.name, f"{f.name} is not a number")
            vals = num.to_numpy(dtype=float, na_value=np.nan)
            reject(present & ~np.isnan(vals) & ~np.isfinite(vals), f.name, f"{f.name} is not finite")
            if f.low is not None:
                reject(vals < f.low, f.name, f"{f.name} is below {_bound(f.low)}")
            if f.high is not None:
                reject(vals > f.high, f.name, f"{f.name} is above {_bound(f.high)}")
            if f.kind == "int":
                # 1e20 is no 64-bit integer: such a value (already rejected) becomes empty, not a crash
                whole = np.isfinite(vals) & (np.abs(vals) < 2.0**53)
                reject(present & ~np.isnan(vals) & ~whole, f.name, f"{f.name} is too large")
                out[f.name] = num.where(whole).round().astype("Int64")
            else:
                out[f.name] = num.astype("Float64")
        elif f.kind in ("datetime", "date"):
            if pd.api.types.is_datetime64_any_dtype(col):
                ts = col
            else:
                ts = pd.to_datetime(col, errors="coerce", format="mixed")
            reject(present & ts.isna().to_numpy(), f.name, f"{f.name} is not a date")
            if getattr(ts.dt, "tz", None) is not None:
                ts = ts.dt.tz_localize(None)
            out[f.name] = ts.astype("datetime64[ms]")
        if f.required:
            reject(~present, f.name, f"{f.name} is empty")

    if "id" in s.required:
        ids = out["id"]
        dup = ids.duplicated(keep="first").to_numpy() & (reason == "")
        reject(dup, "id", "duplicate id")

    bad = reason != ""
    rejected = pd.DataFrame(out[bad].drop(columns=out.geometry.name))
    rejected.insert(0, "row", np.flatnonzero(bad) + 1)
    rejected["field"] = bad_field[bad]
    rejected["reason"] = reason[bad]
    rejected["wkt"] = geom[bad].to_wkt().to_numpy()
    accepted = out[~bad].reset_index(drop=True)
    return Validation(layer, accepted, rejected.reset_index(drop=True))


def require_valid(gdf: gpd.GeoDataFrame, layer: str, *, source: str = "<data>",
                  categories: CategoryList | Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """Validate and raise on the first rejected row; for data that must be clean."""
    v = validate(gdf, layer, source=source, categories=categories)
    if len(v.rejected):
        r = v.rejected.iloc[0]
        msg = (f"{source}: {layer} row {r['row']}, field {r['field']}: {r['reason']} "
               f"({len(v.rejected)} row(s) rejected in all)")
        raise SchemaError(msg)
    return v.accepted
