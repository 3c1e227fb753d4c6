"""What every page shares: the open workspace, the sidebar filters, the tiles setting."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.select import (IncidentFilter, Study, assign_units, categories_present, default_period, period_of,
                        select_study)
from geo.schema import CATEGORIES, CATEGORY_LABELS, LAYERS, SchemaError, validate
from geo.io.store import Workspace, WorkspaceError
from geo.i18n import LANG_ENV, LANGS, LANGUAGE_NAMES, Tr, pick_lang
from layers.basemap import TILES_ENV, Tiles

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKSPACE = ROOT / "data" / "workspace.gpkg"
DEMO_WORKSPACE = ROOT / "data" / "demo" / "demo.gpkg"
WORKSPACE_ENV = "KOOPSUZ_WORKSPACE"
ALL = "All"


@dataclass(frozen=True)
class Data:
    """The layers of the open workspace; incidents carry ``unit`` and ``area``."""

    path: Path
    meta: dict[str, str]
    incidents: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    rejected: dict[str, pd.DataFrame]

    @property
    def areas(self) -> list[str]:
        if "area" not in self.boundaries:
            return []
        return sorted(a for a in self.boundaries["area"].dropna().astype(str).unique() if a)

    @property
    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The five layers, keyed as in the workspace."""
        return {"incidents": self.incidents, "stations": self.stations, "cameras": self.cameras,
                "boundaries": self.boundaries, "roads": self.roads}


def workspace_path() -> Path:
    return Path(os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE)


@st.cache_resource(show_spinner="Opening the workspace…", max_entries=2)
def _load(path: str, version: tuple[int, int]) -> Data:  # version: reload when the file changes
    ws = Workspace(path)
    layers, rejected = {}, {}
    for name in LAYERS:
        v = validate(ws.read(name), name, source=f"{Path(path).name}:{name}")
        layers[name], rejected[name] = v.accepted, v.rejected
    layers["incidents"] = assign_units(layers["incidents"], layers["boundaries"])
    return Data(Path(path), ws.meta(), rejected=rejected, **layers)


def load_data() -> Data:
    """The open workspace, or stop the page with a clear message.

    The default workspace starts as a copy of the demo; imports then change
    the copy, never the demo itself.
    """
    path = workspace_path()
    if not path.is_file() and path == DEFAULT_WORKSPACE and DEMO_WORKSPACE.is_file():
        Workspace(path).copy_from(Workspace(DEMO_WORKSPACE))
    if not path.is_file():
        st.error(f"No workspace at `{path}`. Run `make run` (it builds the demo data) "
                 f"or set {WORKSPACE_ENV} to a Koopsuz GeoPackage.")
        st.stop()
    try:
        leftovers = Workspace(path).remove_leftovers()  # a killed write's copy goes on the next open, any page
        if leftovers:
            st.info(leftovers.message)
        return _load(str(path), Workspace(path).version())
    except (WorkspaceError, SchemaError) as exc:
        st.error(str(exc))
        st.stop()


def report_rejected(data: Data) -> None:
    """Say which stored rows break the data model (they are left out of every page)."""
    for name, rej in data.rejected.items():
        if len(rej):
            first = rej.iloc[0]
            st.warning(f"{len(rej):,} {name} row(s) in {data.path.name} break the data model and are left out; "
                       f"first: row {first['row']}, field {first['field']}: {first['reason']}.")


def sidebar_filters(data: Data) -> IncidentFilter:
    """The filters every page applies: area, settlements, period, categories."""
    sb = st.sidebar
    sb.header("Filters")
    areas = data.areas
    # the first area by default: a whole-country extent shows no city in useful detail
    area = sb.radio("Area", [*areas, ALL], horizontal=True, key="f_area") if areas else ALL
    pool = data.boundaries if area == ALL else data.boundaries[data.boundaries["area"] == area]
    names = pool["name"].astype(str).tolist()
    units = sb.multiselect("Settlements", names, placeholder="All settlements", key=f"f_units_{area}",
                           help="Leave empty for every settlement of the area.")
    period, default = period_of(data.incidents), default_period(data.incidents)
    start = end = None
    if period is not None and default is not None:
        lo, hi = period
        picked = sb.date_input("Period", default, min_value=lo, max_value=hi, key="f_period",
                               help="Inclusive. KPI changes compare with the same length just before.")
        if isinstance(picked, tuple) and len(picked) == 2:
            start, end = picked
        elif isinstance(picked, tuple) and len(picked) == 1:
            start = end = picked[0]
    present = categories_present(data.incidents, CATEGORIES)
    cats = sb.multiselect("Categories", present, default=present, key="f_cats",
                          format_func=CATEGORY_LABELS.get)
    return IncidentFilter(
        area=None if area == ALL else area,
        units=tuple(units) or None,
        start=start,
        end=end,
        categories=tuple(cats),
    )


def current_study(data: Data, f: IncidentFilter) -> Study:
    """The sidebar's study (:func:`geo.select.select_study`, as the pack and the CLI select it), or stop the page.

    Incidents outside every settlement are left out, and the page says how many.
    """
    try:
        study = select_study(data.layers, f)
    except ValueError as exc:
        st.info(f"Nothing to show for these filters: {exc}")
        st.stop()
    if study.outside:
        st.caption(f"{study.outside:,} incidents that pass the filters lie outside every settlement and are "
                   "left out.")
    return study


LANG_COOKIE = "koopsuz_lang"
LANG_KEY = "lang"


@st.cache_resource(max_entries=len(LANGS))
def _tr(lang: str) -> Tr:
    return Tr(lang)


def language() -> Tr:
    """The reader's language, switched in the sidebar on every page and remembered for the browser.

    A choice made here wins; then the ``lang`` query parameter and the cookie
    that remember an earlier choice; then the ``KOOPSUZ_LANG`` setting; then
    the browser's preferred languages; then Russian.
    """
    remembered = st.query_params.get(LANG_KEY) or st.context.cookies.get(LANG_COOKIE)
    default = pick_lang(remembered, os.environ.get(LANG_ENV), st.context.headers.get("Accept-Language"),
                        st.context.locale)
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = default
    lang = st.sidebar.selectbox("Язык · Тил · Language", list(LANGS), key=LANG_KEY,
                                format_func=LANGUAGE_NAMES.get)
    if st.query_params.get(LANG_KEY) != lang:
        st.query_params[LANG_KEY] = lang  # the address carries it: a bookmark or a shared link keeps the language
    if st.context.cookies.get(LANG_COOKIE) != lang:
        # and a cookie remembers it for this browser's next visit (a year); the script runs in the app's origin
        st.html(f"<script>document.cookie='{LANG_COOKIE}={lang}; path=/; max-age=31536000; SameSite=Lax';</script>",
                unsafe_allow_javascript=True)
    return _tr(lang)


def tr() -> Tr:
    """The language :func:`language` chose for this run (``app.py`` calls it before any page runs)."""
    return _tr(st.session_state.get(LANG_KEY) or pick_lang(os.environ.get(LANG_ENV)))


def tiles_setting() -> Tiles:
    """Base tiles: OpenStreetMap by default, none, or a local tile server (sidebar, env)."""
    with st.sidebar.expander("Map settings"):
        default = Tiles.from_env().setting
        choice = st.selectbox("Base tiles", ["osm", "none", "custom"],
                              index=["osm", "none"].index(default) if default in ("osm", "none") else 2,
                              format_func={"osm": "OpenStreetMap (online)", "none": "None (offline)",
                                           "custom": "Local tile server"}.get, key="tiles_choice",
                              help=f"Default from {TILES_ENV}.")
        if choice != "custom":
            return Tiles(choice)
        url = st.text_input("Tile URL template", value="" if default in ("osm", "none") else default,
                            placeholder="http://localhost:8080/{z}/{x}/{y}.png", key="tiles_url")
        try:
            return Tiles.parse(url)
        except ValueError as exc:
            st.warning(str(exc))
            return Tiles("none")


def stored_upload(upload, *, max_bytes: int | None = None) -> Path:
    """The upload on disk under its own name, in a folder only this user can open, once per upload.

    Uploads go to ``koopsuz-uploads-<uid>`` in the temporary folder (mode 0700: a registry export is
    nobody else's business); each upload gets its own subfolder, so two sessions never share a file.
    Delete it with :func:`discard_upload` when done; uploads a day old (a session that ended or a
    server killed mid-way) are swept at each call. ``max_bytes`` refuses a larger upload before its
    bytes are touched.
    """
    name = Path(upload.name).name
    size = getattr(upload, "size", None)
    if max_bytes is not None and size is not None and size > max_bytes:
        msg = (f"{name}: {size / 2**20:,.1f} MB is over the limit of {max_bytes / 2**20:,.0f} MB; split the file "
               "or use `python -m geo import LAYER FILE` on the command line")
        raise ValueError(msg)
    root = _upload_root()
    _sweep_uploads(root)
    key = getattr(upload, "file_id", None) or hashlib.sha256(upload.getvalue()).hexdigest()
    folder = root / hashlib.sha256(str(key).encode()).hexdigest()[:16]
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / name
    if path.exists():
        os.utime(path)  # in use again: not a day old
        return path
    fd, tmp = tempfile.mkstemp(prefix=".upload.", dir=folder)  # owner-only, and whole or absent
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(upload.getvalue())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def discard_upload(path: Path) -> None:
    """Delete a stored upload and its folder (after the import committed or failed)."""
    folder = Path(path).parent
    if folder.parent == _upload_root():  # only what stored_upload made
        shutil.rmtree(folder, ignore_errors=True)


UPLOAD_MAX_AGE = 24 * 3600.0  # seconds after which a stored upload is a leftover


def _upload_root() -> Path:
    root = Path(tempfile.gettempdir()) / f"koopsuz-uploads-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    info = os.lstat(root)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():  # made by someone else: not ours to use
        msg = f"{root}: the upload folder belongs to another user or is not a folder; remove it"
        raise PermissionError(msg)
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(root, 0o700)
    return root


def _sweep_uploads(root: Path, *, max_age: float = UPLOAD_MAX_AGE) -> None:
    # Also the world-readable folder of earlier versions, where uploads were never deleted.
    legacy = root.parent / "koopsuz-uploads"
    now = time.time()
    for parent in (root, legacy):
        if parent == legacy and not (parent.is_dir() and os.lstat(parent).st_uid == os.getuid()):
            continue
        for folder in parent.iterdir():
            with contextlib.suppress(OSError):
                newest = max([folder.lstat().st_mtime, *(f.lstat().st_mtime for f in folder.iterdir())])
                if now - newest > max_age:
                    shutil.rmtree(folder, ignore_errors=True)


def map_download(m, *, name: str, title: str) -> None:
    """A button that saves the map as it is drawn as one HTML file that opens offline.

    Call it after ``st_folium`` has drawn ``m``: the file is built only when
    the button is pressed, and building it points the map's assets at inlined
    copies.
    """
    from layers.standalone import standalone_html

    st.download_button("Download this map (HTML, opens offline)", data=lambda: standalone_html(m, title=title),
                       file_name=f"{name}.html", mime="text/html", key=f"dl_map_{name}",
                       help="One self-contained file: the map, its layers and legends, with no other file needed.")
