"""Import a file into a workspace layer without losing a row.

Every row read ends up in exactly one place: accepted (possibly repaired,
with what was repaired), or rejected with the file, row number, field and
reason. :func:`prepare` does the reading and checking and writes nothing;
:func:`commit` writes the result into the workspace in one atomic step (the
layer, ``rejected_<layer>``, ``repaired_<layer>``, ``import_log`` and the
saved ``category_map``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import messages as M
from geo.checks import check_choice
from geo.categories import CategoryList
from geo.io.categories import CATEGORIES_TABLE, categorize, own_labels, read_categories
from geo.io.dates import combine_parts, parse_datetimes
from geo.io.mapping import apply_overrides, auto_map
from geo.io.numbers import parse_numbers
from geo.io.plausible import coordinate_errors, outside_study, study_envelope, swap_file
from geo.io.points import parse_points
from geo.io.provenance import SOURCE_KEY, layer_record
from geo.io.readers import RawTable, read_table
from geo.io.store import MODES, Workspace
from geo.schema import LAYERS, spec, validate

CATEGORY_MAP_TABLE = "category_map"
LOG_TABLE = "import_log"
WGS84 = "EPSG:4326"

KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("headquarters", ("headquarter", "hq", "управлен", "гувд", "мвд", "штаб", "башкарма")),
    ("prevention_centre", ("prevention", "профилакт", "алдын алуу")),
    ("post", ("post", "пост", "опорн", "beat")),
    ("station", ("station", "district", "отдел", "ровд", "увд", "овд", "бөлүм", "участ")),
)


class ImportError_(ValueError):  # noqa: N801 - "ImportError" is a builtin
    """The file cannot be imported as that layer (a clear message says why)."""


@dataclass
class ImportOptions:
    """What the user chose; everything optional."""

    crs: str | int | None = None
    mapping: dict[str, str | None] = field(default_factory=dict)
    date_order: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    source_layer: str | None = None
    category_map: dict[str, str] = field(default_factory=dict)
    area: str | None = None
    # keep the file's own offence labels as categories (each distinct label one category) instead of mapping them
    own_labels: bool = False


@dataclass
class ImportResult:
    """What an import would do, or did."""

    layer: str
    source: str
    read: int
    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    repaired: pd.DataFrame
    mapping: dict[str, str]
    summary: dict[str, object]
    categories: pd.DataFrame | None = None
    # the workspace's list of categories after this import (with the file's own labels added, if kept)
    category_list: CategoryList | None = None
    # the input row number of each accepted row, in order (a duplicate refused at commit keeps its row)
    accepted_rows: np.ndarray | None = None
    # the workspace layer as it was when checked (Workspace.fingerprint); a replace refuses if it changed since
    checked_against: str | None = None

    @property
    def reasons(self) -> dict[str, int]:
        """Rejections counted by kind of reason (quoted values left out)."""
        return dict(Counter(_reason_kind(r) for r in self.rejected["reason"]).most_common())

    def counts(self) -> dict[str, object]:
        return {
            "layer": self.layer,
            "source": self.source,
            "read": self.read,
            "accepted": len(self.accepted),
            "repaired": len(self.repaired),
            "rejected": len(self.rejected),
            "reasons": self.reasons,
        }


def _reason_kind(reason: str) -> str:
    r = re.sub(r"'[^']*'", "'…'", str(reason))
    return re.sub(r"(?<![\w:])-?\d+(\.\d+)?", "N", r)  # "EPSG:4326" stays a code, not a count


class _Rows:
    """Per-row outcome while an import is checked: a reason ends a row, notes repair it."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.reason = pd.Series("", index=index, dtype=object)
        self.field = pd.Series("", index=index, dtype=object)
        self.notes: dict[int, list[str]] = {}

    def reject(self, errors: pd.Series, fname: str) -> None:
        errors = errors.reindex(self.index).fillna("").astype(str)
        new = (errors != "") & (self.reason == "")
        self.reason[new] = errors[new]
        self.field[new] = fname

    def note(self, notes: pd.Series) -> None:
        notes = notes.reindex(self.index).fillna("").astype(str)
        for i, n in notes[notes != ""].items():
            self.notes.setdefault(i, []).append(n)

    @property
    def ok(self) -> pd.Series:
        return self.reason == ""


def prepare(path: str | Path, layer: str, *, options: ImportOptions | None = None,
            name: str | None = None, workspace: Workspace | None = None) -> ImportResult:
    """Read ``path`` as ``layer`` and sort every row into accepted, repaired or rejected.

    Parameters
    ----------
    path
        Any file :func:`geo.io.readers.read_table` reads.
    layer
        ``incidents``, ``stations``, ``cameras``, ``boundaries`` or ``roads``.
    options
        Column mapping, CRS, date order and the like.
    name
        The file's name for messages (for uploads stored under a temporary name).
    workspace
        Read only for the saved category mapping and the extent of its
        boundaries (the study area): rows more than 50 km outside it are kept
        with a warning note, and it tells a whole file with latitude and
        longitude swapped. A boundaries import is not compared with the old ones.
        The layer's fingerprint is recorded (``checked_against``): a replace
        committed after another import changed the layer is refused.

    Raises
    ------
    geo.io.readers.ReadError, ImportError_
        When the file is unusable as a whole (not a table, no coordinates,
        no date column ...).
    """
    opts = options or ImportOptions()
    spec(layer)
    raw = read_table(path, encoding=opts.encoding, delimiter=opts.delimiter, layer=opts.source_layer, name=name)
    source = raw.source
    try:  # the user's own settings: a wrong one is named with the file it was meant for
        mapping = apply_overrides(auto_map(raw.columns, layer), opts.mapping, raw.columns, layer)
        if opts.crs is not None:
            _checked_crs(opts.crs)
    except ValueError as exc:
        msg = M.IN_FILE.format(file=source, message=exc)
        raise ImportError_(msg) from exc
    frame = raw.frame
    rows = _Rows(frame.index)
    if raw.row_notes:  # rows the reader repaired (bytes read as CP1251): kept in repaired_<layer> with the rest
        rows.note(pd.Series(raw.row_notes, dtype=object))
    summary: dict[str, object] = {"columns": raw.columns, "encoding": raw.encoding, "delimiter": raw.delimiter,
                                  "notes": list(raw.notes)}

    study = None if layer == "boundaries" else study_envelope(workspace)  # new boundaries may lie anywhere
    geometry = _geometry(raw, layer, mapping, opts, rows, summary, study=study)
    fields: dict[str, pd.Series] = {}
    categories = None
    category_list = read_categories(workspace) if workspace is not None else None
    col = lambda role: frame[mapping[role]] if role in mapping else None  # noqa: E731

    if layer == "incidents":
        fields["id"] = _ids(col("id"), source, frame.index, summary)
        fields["occurred_at"] = _when(frame, mapping, opts, rows, summary, source=source)
        if "category" not in mapping:
            msg = M.IMP_NO_CATEGORY_COLUMN.format(file=source, listed=_columns_text(raw.columns))
            raise ImportError_(msg)
        labels = col("category").astype("string").str.strip()
        saved = dict(opts.category_map)
        if workspace is not None and workspace.has(CATEGORY_MAP_TABLE):
            table = workspace.read_table(CATEGORY_MAP_TABLE)
            saved = {**dict(zip(table["raw_label"].astype(str), table["category"].astype(str), strict=True)), **saved}
        if opts.own_labels:
            fields["category"], categories, category_list = own_labels(labels, categories=category_list)
        else:
            fields["category"], categories = categorize(labels, saved, categories=category_list)
        rows.reject(labels.isna().map({True: M.IMP_CATEGORY_EMPTY, False: ""}), "category")
        fields["raw_category"] = labels
        fields["description"] = _text(col("description"))
        fields["weight"] = _optional_number(col("weight"), "weight", rows)
    elif layer == "stations":
        fields["name"] = _required_text(col("name"), "name", source, raw, rows)
        fields["kind"] = _kinds(col("kind"), rows)
        fields["opened"] = _optional_date(col("opened"), "opened", opts, rows)
        fields["address"] = _text(col("address"))
    elif layer == "cameras":
        fields["name"] = _text(col("name"))
        for f in ("direction_deg", "fov_deg", "range_m"):
            fields[f] = _optional_number(col(f), f, rows)
        fields["installed"] = _optional_date(col("installed"), "installed", opts, rows)
    elif layer == "boundaries":
        fields["name"] = _required_text(col("name"), "name", source, raw, rows)
        if "population" in mapping:
            pop = parse_numbers(col("population"))
            rows.reject(pop.errors.where(col("population").notna(), ""), "population")
            fields["population"] = pop.values
        else:
            summary["notes"].append(M.IMP_NO_POPULATION)
            fields["population"] = pd.Series(np.nan, index=frame.index)
        fields["area"] = _text(col("area")) if "area" in mapping else pd.Series(
            opts.area or Path(source).stem, index=frame.index, dtype=object)
        fields["district"] = _text(col("district_name"))
        fields["name_ru"] = _text(col("name_ru"))
        fields["name_ky"] = _text(col("name_ky"))
        fields["unit_id"] = _unit_ids(col("unit_id"), mapping.get("unit_id"), source)
    elif layer == "roads":
        fields["name"] = _text(col("name"))
        fields["road_class"] = _text(col("road_class"))
        fields["speed_kmh"] = _optional_number(col("speed_kmh"), "speed_kmh", rows)

    data = pd.DataFrame({k: v.reindex(frame.index) for k, v in fields.items() if v is not None}, index=frame.index)
    data["_row"] = frame.index.to_numpy()
    gdf = gpd.GeoDataFrame(data, geometry=geometry.reindex(frame.index), crs=geometry.crs)
    ok = rows.ok.to_numpy()
    checked = validate(gdf[ok], layer, source=source, categories=category_list)

    rejected = _rejected_frame(raw, rows, checked)
    accepted = checked.accepted
    if len(accepted) and accepted.crs is not None and CRS(accepted.crs) != CRS(WGS84):
        accepted = accepted.to_crs(WGS84)
    kept_rows = accepted["_row"].to_numpy()
    summary["outside_study_area"], far = outside_study(accepted.geometry, kept_rows, study, layer)
    if far:
        summary["notes"].append(far)
    repaired = pd.DataFrame(
        [(source, int(r), "; ".join(rows.notes[r])) for r in kept_rows if r in rows.notes],
        columns=["source", "row", "repaired"],
    )
    if layer == "boundaries" and len(accepted):
        # no id column (or an empty cell): "u" and the file's row, stable for the file and unique in it
        given = (accepted["unit_id"].astype("string") if "unit_id" in accepted
                 else pd.Series(pd.NA, index=accepted.index, dtype="string"))
        made = pd.Series([f"u{int(r)}" for r in accepted["_row"]], index=accepted.index, dtype="string")
        free = ~made.isin(set(given.dropna()))
        accepted["unit_id"] = given.where(given.notna() & (given != ""), made.where(free, "row" + made.str[1:]))
    accepted = accepted.drop(columns="_row")
    for f in LAYERS[layer].field_names:  # every layer table has all its fields, empty where not given
        if f not in accepted:
            accepted[f] = None
    accepted = accepted[[*LAYERS[layer].field_names, accepted.geometry.name]]
    summary["mapping"] = mapping
    return ImportResult(layer, source, raw.rows_read, accepted, rejected, repaired, mapping, summary, categories,
                        category_list=category_list if layer == "incidents" else None, accepted_rows=kept_rows,
                        checked_against=workspace.fingerprint(layer) if workspace is not None else None)


def commit(result: ImportResult, workspace: Workspace, *, mode: str = "replace",
           options: ImportOptions | None = None) -> ImportResult:
    """Write an import into the workspace in one atomic step.

    ``mode="append"`` adds the accepted rows to the layer; incidents whose id
    is already there are moved to the rejected rows first, with their row
    number, so the counts still add up. Everything is decided inside the
    workspace's lock (:meth:`geo.io.store.Workspace.locked`): an append
    reads the layer as the previous import left it, and the import log
    records what was written. ``result`` is updated to what was committed.

    Raises
    ------
    ImportError_
        When no row is left to import, or when a replace finds the layer
        changed since ``result`` was checked (``result.checked_against``):
        replacing would throw away rows the user has not seen.
    geo.io.store.WorkspaceError
        When another import still holds the workspace after its lock timeout.
    """
    check_choice(mode, MODES, "mode")
    layer = result.layer
    with workspace.locked():
        if mode == "replace" and result.checked_against is not None \
                and workspace.fingerprint(layer) != result.checked_against:
            msg = M.IMP_CHANGED.format(file=workspace.label, layer=layer, source=result.source)
            raise ImportError_(msg)
        staged = _without_duplicates(result, workspace) if mode == "append" else result
        if len(staged.accepted) == 0:
            msg = M.IMP_NOTHING.format(file=result.source, layer=layer, n=len(staged.rejected),
                                       reasons=_top_reasons(staged))
            raise ImportError_(msg)
        tables, modes, meta = _commit_tables(staged, workspace, mode=mode, options=options)
        workspace.write(tables, mode=modes, meta=meta)
        result.accepted, result.rejected, result.accepted_rows = staged.accepted, staged.rejected, staged.accepted_rows
        result.checked_against = workspace.fingerprint(layer)  # the layer as this import left it
    return result


def _without_duplicates(result: ImportResult, workspace: Workspace) -> ImportResult:
    """The import with incidents whose id the workspace already holds moved to the rejected rows."""
    if result.layer != "incidents" or not len(result.accepted) or not workspace.has(result.layer):
        return result
    existing = set(workspace.read(result.layer)["id"].astype(str))
    dup = result.accepted["id"].astype(str).isin(existing).to_numpy()
    if not dup.any():
        return result
    rows = result.accepted_rows
    rows = np.full(len(result.accepted), np.nan) if rows is None or len(rows) != len(result.accepted) else rows
    moved = pd.DataFrame({"source": result.source, "row": rows[dup], "field": "id",
                          "reason": M.IMP_DUPLICATE_ID,
                          "raw": result.accepted.loc[dup].drop(columns="geometry").astype(str).apply(
                              lambda r: json.dumps(r.to_dict(), ensure_ascii=False), axis=1).to_numpy(),
                          "wkt": result.accepted.geometry[dup].to_wkt().to_numpy()})
    rejected = pd.concat([result.rejected, moved], ignore_index=True) if len(result.rejected) else moved
    rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
    return dataclasses.replace(result, accepted=result.accepted.loc[~dup].reset_index(drop=True),
                               rejected=rejected, accepted_rows=rows[~dup])


def _commit_tables(result: ImportResult, workspace: Workspace, *, mode: str, options: ImportOptions | None
                   ) -> tuple[dict[str, pd.DataFrame], dict[str, str], dict[str, str] | None]:
    """The tables, their write modes and the metadata of one import (read inside the workspace's lock)."""
    layer = result.layer
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    log = pd.DataFrame([{
        "imported_at": now, "layer": layer, "source": result.source, "mode": mode, "read": result.read,
        "accepted": len(result.accepted), "repaired": len(result.repaired), "rejected": len(result.rejected),
        "reasons": json.dumps(result.reasons, ensure_ascii=False),
        "mapping": json.dumps(result.mapping, ensure_ascii=False),
        "options": json.dumps({k: v for k, v in vars(options or ImportOptions()).items() if v}, ensure_ascii=False,
                              default=str),
    }])
    rejected = result.rejected.assign(imported_at=now)
    repaired = result.repaired.assign(imported_at=now)
    tables: dict[str, pd.DataFrame] = {
        layer: result.accepted, f"rejected_{layer}": rejected, f"repaired_{layer}": repaired, LOG_TABLE: log,
    }
    modes = {layer: mode, f"rejected_{layer}": mode, f"repaired_{layer}": mode, LOG_TABLE: "append"}
    if result.categories is not None and len(result.categories):
        saved = workspace.read_table(CATEGORY_MAP_TABLE) if workspace.has(CATEGORY_MAP_TABLE) else None
        merged = result.categories[["raw_label", "category"]]
        if saved is not None and len(saved):
            merged = pd.concat([saved[["raw_label", "category"]], merged]).drop_duplicates("raw_label", keep="last")
        tables[CATEGORY_MAP_TABLE] = merged.reset_index(drop=True)
    if result.category_list is not None:
        # the file's own labels kept as categories join the list as it is now (renamed since prepare or not)
        now = read_categories(workspace)
        new = [c for c in result.category_list.items if c.key not in now]
        if new:
            tables[CATEGORIES_TABLE] = CategoryList((*now.items[:-1], *new, now.items[-1])).to_frame()
    old_meta = workspace.meta()
    meta = {"synthetic": "mixed"} if old_meta.get("synthetic") == "true" else {}
    # The layer's origin (files, day, rows) for the maps' and the pack's source line (geo.io.provenance): the
    # workspace's title still names the demo once its incidents are a city's own.
    meta[SOURCE_KEY + layer] = layer_record(old_meta.get(SOURCE_KEY + layer), file=result.source,
                                            imported_at=str(log.at[0, "imported_at"]), rows=len(result.accepted),
                                            mode=mode)
    return tables, modes, meta


def import_file(path: str | Path, layer: str, workspace: Workspace, *, mode: str = "replace",
                options: ImportOptions | None = None, name: str | None = None) -> ImportResult:
    """:func:`prepare` then :func:`commit`."""
    result = prepare(path, layer, options=options, name=name, workspace=workspace)
    return commit(result, workspace, mode=mode, options=options)


def _top_reasons(result: ImportResult, n: int = 3) -> str:
    counted = [M.IMP_REASON_COUNT.format(problem=k, n=v) for k, v in list(result.reasons.items())[:n]]
    return "; ".join(counted) or M.IMP_NONE


# --- pieces ---------------------------------------------------------------

def _geometry(raw: RawTable, layer: str, mapping: dict[str, str], opts: ImportOptions, rows: _Rows,
              summary: dict[str, object], *, study: tuple[float, float, float, float] | None = None
              ) -> gpd.GeoSeries:
    """The rows' geometries in their CRS; implausible coordinates rejected (any format), a swapped file fixed."""
    frame = raw.frame
    want = LAYERS[layer].geometry
    if raw.is_spatial:
        geom = frame.geometry
        crs = geom.crs
        if opts.crs is not None:
            given = CRS.from_user_input(_epsg(opts.crs))
            if crs is not None and CRS(crs) != given:
                msg = M.IMP_CRS_CONFLICT.format(file=raw.source, crs=CRS(crs).to_string(), given=given.to_string())
                raise ImportError_(msg)
            crs = given
        if crs is None:
            msg = M.IMP_NO_CRS.format(file=raw.source)
            raise ImportError_(msg)
        geom = gpd.GeoSeries(geom.to_numpy(), index=frame.index, crs=crs)
        empty = geom.isna() | geom.is_empty
        geom, swapped = swap_file(geom, study=study)
        if swapped:
            summary["notes"].append(M.IMP_FILE_SWAPPED.format(why=swapped))
            rows.note(pd.Series(np.where(empty, "", M.PT_FILE_SWAPPED),
                                index=geom.index))
        rows.reject(empty.map({True: M.NO_GEOMETRY, False: ""}), "geometry")
        rows.reject(coordinate_errors(geom), "geometry")
        if want != ("Point",):
            invalid = ~empty & rows.ok  # never repair what is already rejected (1e308 is no shape to fix)
            invalid[invalid] = ~geom[invalid].is_valid
            if invalid.any():
                reasons = shapely.is_valid_reason(geom[invalid].to_numpy())
                fixed = gpd.GeoSeries(shapely.make_valid(geom[invalid].to_numpy()), index=geom[invalid].index, crs=crs)
                fixed = fixed.map(lambda g: _keep_type(g, want))
                geom = geom.copy()
                geom[invalid] = fixed
                rows.note(pd.Series([M.IMP_GEOMETRY_REPAIRED.format(reason=r) for r in reasons],
                                    index=fixed.index))
        summary["crs"] = CRS(crs).to_string()
        return geom
    if want != ("Point",):
        msg = M.IMP_NEEDS_SHAPES.format(file=raw.source, layer=layer)
        raise ImportError_(msg)
    if "lat" in mapping and "lon" in mapping:
        a, b, order = frame[mapping["lon"]], frame[mapping["lat"]], "xy"
    elif "x" in mapping and "y" in mapping:
        a, b, order = frame[mapping["x"]], frame[mapping["y"]], "xy"
    else:
        msg = M.IMP_NO_COORDINATE_COLUMNS.format(file=raw.source, listed=_columns_text(raw.columns))
        raise ImportError_(msg)
    pts = parse_points(a, b, crs=_epsg(opts.crs) if opts.crs is not None else None, order=order, study=study)
    rows.reject(pts.errors, "coordinates")
    rows.note(pts.notes)
    summary["coordinates"] = pts.summary
    if pts.summary.get("file_swapped"):
        summary["notes"].append(M.IMP_FILE_SWAPPED_ROWS.format(why=pts.summary["file_swapped"]))
    crs = pts.summary.get("crs")
    if crs is None:  # every row already carries the reason; say it once for the whole file too
        summary["notes"].append(M.IMP_CRS_UNKNOWN_NOTE.format(reason=pts.summary.get("crs_reason", "")).strip())
        crs = WGS84
    summary["crs"] = str(crs)
    geom = gpd.GeoSeries(pts.values, index=frame.index, crs=crs)
    rows.reject(coordinate_errors(geom), "coordinates")  # a given CRS is checked like a file's
    return geom


def _keep_type(g: shapely.Geometry, want: tuple[str, ...]) -> shapely.Geometry:
    """make_valid may return a collection with stray lines or points: keep the wanted kind."""
    if g is None or g.geom_type in want:
        return g
    parts = [p for p in getattr(g, "geoms", [g]) if p.geom_type in want or p.geom_type.replace("Multi", "") in want]
    if not parts:
        return g
    return shapely.union_all(parts)


def _columns_text(columns: object, *, shown: int = 20) -> str:
    """The file's columns for a message: the first ``shown`` and how many more (a file may have thousands)."""
    names = [str(c) for c in columns]
    if len(names) > shown:
        return M.IMP_MORE_COLUMNS.format(columns=", ".join(names[:shown]), n=f"{len(names) - shown:,}")
    return ", ".join(names)


def _checked_crs(value: str | int) -> CRS:
    try:
        return CRS.from_user_input(_epsg(value))
    except Exception as exc:  # pyproj's CRSError, and anything else a malformed string provokes
        msg = M.IMP_UNKNOWN_CRS.format(value=str(value)[:60])
        raise ValueError(msg) from exc


def _epsg(value: str | int) -> str:
    v = str(value).strip()
    return f"EPSG:{v}" if v.isdigit() else v


def _ids(col: pd.Series | None, source: str, index: pd.Index, summary: dict[str, object]) -> pd.Series:
    if col is not None:
        return col.astype("string").str.strip()
    summary["notes"].append(M.IMP_NO_ID_COLUMN)
    stem = re.sub(r"[^\w-]+", "_", Path(source).stem)[:30]
    return pd.Series([f"{stem}-{i}" for i in index], index=index, dtype="string")


def _when(frame: pd.DataFrame, mapping: dict[str, str], opts: ImportOptions, rows: _Rows,
          summary: dict[str, object], *, source: str) -> pd.Series:
    if "date" in mapping:
        parsed = parse_datetimes(frame[mapping["date"]], frame[mapping["time"]] if "time" in mapping else None,
                                 order=opts.date_order)
    elif {"year", "month", "day"} <= set(mapping):
        parts = {k: frame[mapping[k]] for k in ("year", "month", "day", "hour", "minute") if k in mapping}
        parsed = combine_parts(**parts)
    else:
        msg = M.IMP_NO_DATE_COLUMN.format(file=source, listed=_columns_text(frame.columns))
        raise ImportError_(msg)
    rows.reject(parsed.errors, "occurred_at")
    rows.note(parsed.notes)
    summary["dates"] = parsed.summary
    return parsed.values


def _text(col: pd.Series | None) -> pd.Series | None:
    if col is None:
        return None
    return col.astype("string").str.strip().replace("", pd.NA)


def _unit_ids(col: pd.Series | None, column: str | None, source: str) -> pd.Series | None:
    """The file's own settlement ids, refused whole when one repeats: counts go by them."""
    ids = _text(col)
    if ids is None:
        return None
    ids = ids.str.replace(r"\.0$", "", regex=True) if pd.api.types.is_float_dtype(col) else ids
    dup = ids.notna() & ids.duplicated(keep=False)
    if dup.any():
        rows = ids.index[dup.to_numpy()]
        values = list(dict.fromkeys(ids[dup].astype(str)))
        msg = M.IMP_UNIT_ID_DUPLICATE.format(file=source, column=column, ids=", ".join(values[:5]),
                                             rows=", ".join(str(int(r)) for r in rows[:10]))
        raise ImportError_(msg)
    return ids


def _required_text(col: pd.Series | None, fname: str, source: str, raw: RawTable, rows: _Rows) -> pd.Series:
    if col is None:
        msg = M.IMP_NO_FIELD_COLUMN.format(file=source, field=fname, listed=_columns_text(raw.columns))
        raise ImportError_(msg)
    text = _text(col)
    rows.reject(text.isna().map({True: M.IMP_FIELD_EMPTY.format(field=fname), False: ""}), fname)
    return text


def _optional_number(col: pd.Series | None, fname: str, rows: _Rows) -> pd.Series | None:
    """A bad value in an optional field is left empty and noted, not a reason to lose the row."""
    if col is None:
        return None
    parsed = parse_numbers(col)
    bad = (parsed.errors != "") & col.notna() & (col.astype("string").str.strip() != "").fillna(False)
    rows.note(pd.Series(np.where(bad, _left_empty(fname, parsed.errors), ""), index=col.index))
    return parsed.values.where(~bad)


def _left_empty(fname: str, errors: pd.Series) -> np.ndarray:
    """Each row's error as the note of a value left empty (built once per distinct error)."""
    text = errors.astype(str)
    return text.map({e: M.IMP_LEFT_EMPTY.format(field=fname, error=e) for e in text.unique()}).to_numpy()


def _optional_date(col: pd.Series | None, fname: str, opts: ImportOptions, rows: _Rows) -> pd.Series | None:
    if col is None:
        return None
    parsed = parse_datetimes(col, order=opts.date_order)
    present = col.notna() & (col.astype("string").str.strip() != "").fillna(False)
    bad = (parsed.errors != "") & present
    rows.note(pd.Series(np.where(bad, _left_empty(fname, parsed.errors), ""), index=col.index))
    return parsed.values.where(~bad)


def _kinds(col: pd.Series | None, rows: _Rows) -> pd.Series | None:
    if col is None:
        return None
    text = col.astype("string").str.strip().str.lower()

    def kind_of(v: object) -> str | None:
        if v is None or v is pd.NA:
            return None
        for kind, words in KIND_WORDS:
            if v == kind or any(w in str(v) for w in words):
                return kind
        return "station"

    kinds = text.map(kind_of, na_action="ignore")
    changed = text.notna() & (kinds != text).fillna(False)
    said = [M.IMP_KIND_READ.format(value=v, kind=k) if c else "" for v, k, c in
            zip(col.astype(str), kinds.astype(str), changed.to_numpy(), strict=True)]
    rows.note(pd.Series(said, index=col.index))
    return kinds


def _rejected_frame(raw: RawTable, rows: _Rows, checked) -> pd.DataFrame:
    """One row per rejected input row: source, row, field, reason, raw values, geometry as WKT."""
    frame = raw.frame
    parts = []
    early = ~rows.ok
    if early.any():
        sub = frame[early.to_numpy()]
        parts.append(pd.DataFrame({"row": sub.index.to_numpy(), "field": rows.field[early].to_numpy(),
                                   "reason": rows.reason[early].to_numpy()}))
    if len(checked.rejected):
        parts.append(pd.DataFrame({"row": checked.rejected["_row"].to_numpy(),
                                   "field": checked.rejected["field"].to_numpy(),
                                   "reason": checked.rejected["reason"].to_numpy()}))
    if raw.bad_rows:
        parts.append(pd.DataFrame({"row": list(raw.bad_rows), "field": "row", "reason": list(raw.bad_rows.values())}))
    if not parts:
        return pd.DataFrame(columns=["source", "row", "field", "reason", "raw", "wkt"])
    out = pd.concat(parts, ignore_index=True).sort_values("row", kind="stable").reset_index(drop=True)
    attrs = frame.drop(columns=frame.geometry.name) if raw.is_spatial else frame
    def raw_json(r: int) -> str:
        if r in raw.bad_raw:
            return json.dumps({"line": raw.bad_raw[r]}, ensure_ascii=False)
        vals = attrs.loc[r]
        return json.dumps({str(k): (None if pd.isna(v) else str(v)) for k, v in vals.items()}, ensure_ascii=False)
    out["raw"] = [raw_json(int(r)) for r in out["row"]]
    if raw.is_spatial:
        wkt = frame.geometry.to_wkt()
        out["wkt"] = [wkt.get(int(r)) for r in out["row"]]
    else:
        out["wkt"] = None
    out.insert(0, "source", raw.source)
    return out
