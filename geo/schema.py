"""The data model: the five layer types, their fields, and validation.

Every layer that enters the platform (demo generator, import, workspace) passes
through :func:`validate`, which returns the rows it accepts and, separately,
the rows it rejects with a reason each. Nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CATEGORIES: tuple[str, ...] = (
    "public_order",
    "burglary",
    "road_traffic",
    "juvenile",
    "livestock_theft",
    "domestic_violence",
    "extremism",
    "other",
)

CATEGORY_LABELS: dict[str, str] = {
    "public_order": "Public order",
    "burglary": "Burglary",
    "road_traffic": "Road traffic",
    "juvenile": "Juvenile delinquency",
    "livestock_theft": "Livestock theft",
    "domestic_violence": "Domestic violence",
    "extremism": "Violent extremism",
    "other": "Other",
}

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
            Field("weight", "float", False, "weight in analyses (default 1)", 0, None),
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
        ),
        "video surveillance cameras",
    ),
    "boundaries": LayerSpec(
        "boundaries",
        AREA,
        (
            Field("name", "str", True, "settlement or district name"),
            # optional: a layer of rayons without census figures still maps; its rates show "no population"
            Field("population", "int", False, "resident population", 0, None),
            Field("area", "str", False, "municipality the unit belongs to (e.g. Bishkek)"),
            Field("district", "str", False, "parent district, where the unit is part of one"),
            Field("name_ru", "str", False, "name in Russian"),
            Field("name_ky", "str", False, "name in Kyrgyz"),
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
        ),
        "road centre lines",
    ),
}


class SchemaError(ValueError):
    """A layer cannot be used at all (missing column, wrong geometry, no CRS)."""


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


def spec(layer: str) -> LayerSpec:
    """Return the spec of a layer type, with a clear error for an unknown one."""
    try:
        return LAYERS[layer]
    except KeyError:
        msg = f"unknown layer type {layer!r}; expected one of {', '.join(LAYERS)}"
        raise SchemaError(msg) from None


def validate(gdf: gpd.GeoDataFrame, layer: str, *, source: str = "<data>") -> Validation:
    """Check a layer against its spec, coercing field types.

    Parameters
    ----------
    gdf
        The layer, with a CRS.
    layer
        One of :data:`LAYERS`.
    source
        File name used in messages.

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

    for f in s.fields:
        if f.name not in out.columns:
            continue
        col = out[f.name]
        present = col.notna().to_numpy()
        if f.kind in ("str", "category", "station_kind"):
            out[f.name] = col.astype("string").str.strip()
            present = out[f.name].notna().to_numpy() & (out[f.name] != "").fillna(False).to_numpy()
            if f.kind == "category":
                ok = out[f.name].isin(CATEGORIES).fillna(False).to_numpy()
                reject(present & ~ok, f.name, f"{f.name} is not one of {', '.join(CATEGORIES)}")
            if f.kind == "station_kind":
                ok = out[f.name].isin(STATION_KINDS).fillna(False).to_numpy()
                reject(present & ~ok, f.name, f"{f.name} is not one of {', '.join(STATION_KINDS)}")
        elif f.kind in ("int", "float"):
            num = pd.to_numeric(col, errors="coerce")
            reject(present & num.isna().to_numpy(), f.name, f"{f.name} is not a number")
            vals = num.to_numpy(dtype=float, na_value=np.nan)
            reject(present & ~np.isnan(vals) & ~np.isfinite(vals), f.name, f"{f.name} is not finite")
            if f.low is not None:
                reject(vals < f.low, f.name, f"{f.name} is below {f.low:g}")
            if f.high is not None:
                reject(vals > f.high, f.name, f"{f.name} is above {f.high:g}")
            out[f.name] = num.round().astype("Int64") if f.kind == "int" else num.astype("Float64")
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


def require_valid(gdf: gpd.GeoDataFrame, layer: str, *, source: str = "<data>") -> gpd.GeoDataFrame:
    """Validate and raise on the first rejected row; for data that must be clean."""
    v = validate(gdf, layer, source=source)
    if len(v.rejected):
        r = v.rejected.iloc[0]
        msg = (f"{source}: {layer} row {r['row']}, field {r['field']}: {r['reason']} "
               f"({len(v.rejected)} row(s) rejected in all)")
        raise SchemaError(msg)
    return v.accepted
