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

from geo.select import (OUTSIDE, IncidentFilter, Study, assign_units, categories_present, inside_units, period_of,
                        select_study, unit_ids, unit_labels, with_unit_ids)
from geo.categories import DEFAULT_CATEGORIES, CategoryList, with_categories
from geo.evaluate.perception import SURVEY_TABLE
from geo.schema import LAYERS, SchemaError, validate
from geo.io.categories import read_categories
from geo.io.store import Workspace, WorkspaceError
from geo.io.workspaces import (DATABASE_ENV, DEFAULT_FOLDER, WORKSPACE_ENV, Municipality, default_location,
                               is_database, list_municipalities, open_workspace, split_schema, with_schema)
from geo.i18n import LANG_ENV, LANGS, LANGUAGE_NAMES, N_, Tr, area_names, markdown_escape, pick_lang
from layers.basemap import Tiles
from views.period import period_picker

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LOCATION = ROOT / DEFAULT_FOLDER  # the embedded store: one GeoPackage per municipality
DEMO_WORKSPACE = ROOT / "data" / "demo" / "demo.gpkg"
DEMO_MUNICIPALITIES = ROOT / "data" / "demo" / "municipalities"
MUNICIPALITY_KEY = "m"  # the address's parameter and the sidebar widget's key
ALLOWED_KEY = "koopsuz_allowed"  # the municipalities the signed-in account may open (views.auth sets it)
ALL = "All"

# The layers and fields of the data model in a reader's words (messages about stored rows name them).
LAYER_WORDS = {"incidents": N_("Incidents"), "stations": N_("Police stations"), "cameras": N_("Video cameras"),
               "boundaries": N_("Settlements"), "roads": N_("Roads"), "interventions": N_("Interventions")}
FIELD_WORDS = {
    "id": N_("number"), "occurred_at": N_("date and time"), "category": N_("category"),
    "description": N_("description"), "raw_category": N_("offence as recorded"), "weight": N_("weight"),
    "name": N_("name"), "kind": N_("kind"), "opened": N_("opened"), "address": N_("address"),
    "direction_deg": N_("direction"), "fov_deg": N_("field of view"), "range_m": N_("range"),
    "installed": N_("installed"), "population": N_("population"), "area": N_("area"), "district": N_("district"),
    "name_ru": N_("name in Russian"), "name_ky": N_("name in Kyrgyz"), "road_class": N_("road class"),
    "speed_kmh": N_("speed"), "geometry": N_("location"), "coordinates": N_("coordinates"),
    "unit_id": N_("settlement code (unique)"), "started": N_("started"), "ended": N_("ended"),
    "categories": N_("categories targeted"), "cost": N_("cost"),
}


@dataclass(frozen=True)
class Data:
    """The layers of the open workspace; incidents carry ``unit`` and ``area``."""

    location: str  # what geo.io.workspaces.open_workspace takes
    name: str  # the workspace's short name in messages (file name or schema)
    meta: dict[str, str]
    incidents: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    rejected: dict[str, pd.DataFrame]
    version: tuple[int, int] = (0, 0)  # the workspace's version when read: a cached analysis keys on it
    categories: CategoryList = DEFAULT_CATEGORIES  # the workspace's own list (its ``categories`` table)
    interventions: gpd.GeoDataFrame | None = None  # what was done, where and when (geo.evaluate)
    survey: pd.DataFrame | None = None  # residents' answers (geo.evaluate.perception); shown only as shares

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


def workspace_location() -> str:
    """Where the municipalities' workspaces are: the PostGIS database, a folder or file, or the default folder."""
    return default_location(root=ROOT)  # the command line finds it the same way


@st.cache_resource(show_spinner=False, max_entries=8)
def _database(url: str):  # noqa: ANN202 - a SQLAlchemy engine
    """One connection pool per database, shared by its municipalities' stores (server-wide)."""
    from geo.io.pgstore import make_engine  # psycopg is needed only with a database

    return make_engine(url, pool_size=4, max_overflow=8)


@st.cache_resource(show_spinner=False, max_entries=64)
def store(location: str) -> Workspace:
    """The store object of one workspace, kept for the server's life; PostGIS stores share one pool."""
    if is_database(location):
        return open_workspace(location, engine=_database(split_schema(location)[0]))
    return open_workspace(location)


@st.cache_data(show_spinner=False, ttl=5, max_entries=8)
def _listed(location: str) -> list[Municipality]:
    # several calls per page run, from every session: the folder or database is asked at most every 5 s
    engine = _database(split_schema(location)[0]) if is_database(location) else None
    return list_municipalities(location, engine=engine)


def _seed_from_demo(location: str) -> None:
    """An empty default folder or database starts as the two demo municipalities (imports change the copies)."""
    demos = sorted(DEMO_MUNICIPALITIES.glob("*.gpkg"))
    if not demos:
        return
    if is_database(location):
        if _listed(location):
            return
        for demo in demos:
            store(with_schema(location, demo.stem)).copy_from(Workspace(demo))
        _listed.clear()  # the empty list just read is no longer true
    elif Path(location) == DEFAULT_LOCATION and not (DEFAULT_LOCATION.is_dir() and _listed(location)):
        DEFAULT_LOCATION.mkdir(parents=True, exist_ok=True)
        for demo in demos:
            Workspace(DEFAULT_LOCATION / demo.name).copy_from(Workspace(demo))
        _listed.clear()


def municipalities() -> list[Municipality]:
    """The municipalities at the current location (seeded from the demo when the default is empty)."""
    location = workspace_location()
    _seed_from_demo(location)
    return _listed(location)


def allowed_municipalities() -> list[Municipality]:
    """The municipalities this session may open: those where its account holds a role (all before sign-in)."""
    found = municipalities()
    allowed = st.session_state.get(ALLOWED_KEY)
    return found if allowed is None else [m for m in found if m.key in allowed]


def municipality_names(found: list[Municipality], lang: str) -> dict[str, str]:
    """Each municipality's name in the reader's language (its workspace's ``municipality_<lang>``), by key."""
    out = {}
    for m in found:
        meta = store(m.location).meta() if lang != "en" else {}
        out[m.key] = meta.get(f"municipality_{lang}") or m.name
    return out


def current_municipality() -> Municipality | None:
    """The municipality chosen in the sidebar (the address's ``?m=``), or ``None`` when there is none."""
    found = allowed_municipalities()
    if not found:
        return None
    keys = [m.key for m in found]
    chosen = st.session_state.get(MUNICIPALITY_KEY) or st.query_params.get(MUNICIPALITY_KEY)
    return found[keys.index(chosen)] if chosen in keys else found[0]


def municipality_picker() -> None:
    """The sidebar's choice of municipality, shown when the location holds more than one."""
    _ = tr()
    found = allowed_municipalities()
    if len(found) < 2:
        return
    keys = [m.key for m in found]
    names = municipality_names(found, _.lang)
    wanted = st.query_params.get(MUNICIPALITY_KEY)
    if st.session_state.get(MUNICIPALITY_KEY) not in keys:
        st.session_state[MUNICIPALITY_KEY] = wanted if wanted in keys else keys[0]
    chosen = st.sidebar.selectbox(_("Municipality"), keys, key=MUNICIPALITY_KEY, format_func=lambda k: names[k],
                                  help=_("Each municipality has its own workspace: its data, imports and plan."))
    if st.query_params.get(MUNICIPALITY_KEY) != chosen:
        st.query_params[MUNICIPALITY_KEY] = chosen  # a bookmark or a shared link opens the same municipality


def current_workspace() -> Workspace:
    """The store of the chosen municipality's workspace (or of the one file the location names)."""
    chosen = current_municipality()
    return store(chosen.location if chosen is not None else workspace_location())


def demo_workspace(ws: Workspace) -> Path | None:
    """The demo a workspace can start again from: its municipality's, else the whole demo (never itself)."""
    key = ws.path.stem if isinstance(ws, Workspace) else ws.name
    own = DEMO_MUNICIPALITIES / f"{key}.gpkg"
    demo = own if own.is_file() else DEMO_WORKSPACE if DEMO_WORKSPACE.is_file() else None
    if demo is None or (isinstance(ws, Workspace) and ws.path.resolve() == demo.resolve()):
        return None
    return demo


# No spinner text here: it would be English whatever the reader's language (load_data shows its own).
@st.cache_resource(show_spinner=False, max_entries=24)  # ten municipalities, for analysts and viewers
def _load(location: str, version: tuple[int, int]) -> Data:  # version: reload when the workspace changes
    ws = store(location)
    for _attempt in range(3):  # a write between two reads changes the version: read again, all from one state
        layers, rejected = {}, {}
        with contextlib.ExitStack() as stack:
            if hasattr(ws, "snapshot"):
                stack.enter_context(ws.snapshot())  # PostGIS: one transaction for every table
            categories = read_categories(ws)
            for name in LAYERS:
                v = validate(ws.read(name), name, source=f"{ws.name}:{name}", categories=categories)
                layers[name], rejected[name] = v.accepted, v.rejected
            meta = ws.meta()
            survey = ws.read_table(SURVEY_TABLE) if ws.has(SURVEY_TABLE) else None
        if ws.version() == tuple(version):
            break
        version = ws.version()
    layers["boundaries"] = with_unit_ids(layers["boundaries"])  # a workspace from before units had ids
    # the incidents carry the list: legends and tables drawn from them name the workspace's own categories
    layers["incidents"] = with_categories(assign_units(layers["incidents"], layers["boundaries"]), categories)
    return Data(location, ws.name, meta, rejected=rejected, version=tuple(version), categories=categories,
                survey=survey, **layers)


def load_data() -> Data:
    """The chosen municipality's workspace, or stop the page with a clear message.

    The default folder starts as a copy of the demo municipalities; imports
    then change the copies, never the demo itself.
    """
    _ = tr()
    try:
        ws = current_workspace()
        if not ws.exists:
            st.error(_("No workspace at `{path}`. Run `make run` (it builds the demo data) or set {setting} to a "
                       "Koopsuz GeoPackage, a folder of them, or {database} to a PostGIS database.",
                       path=ws.label, setting=WORKSPACE_ENV, database=DATABASE_ENV))
            st.stop()
        leftovers = ws.remove_leftovers()  # a killed write's copy goes on the next open, any page
        if leftovers:
            st.info(_.message(leftovers.message))
        with st.spinner(_("Opening the workspace…")):  # shown only when opening takes a while
            data = _load(ws.location, ws.version())
        from views.privacy import for_session  # lazily: views.privacy imports this module

        return for_session(data)  # a viewer's session gets masked incidents, never the recorded (issue 15)
    except (WorkspaceError, SchemaError, ValueError) as exc:
        st.error(_.message(str(exc)))
        st.stop()


def report_rejected(data: Data) -> None:
    """Say which stored rows break the data model (they are left out of every page)."""
    _ = tr()
    for name, rej in data.rejected.items():
        if len(rej):
            first = rej.iloc[0]
            field = str(first["field"])
            st.warning(_.plural(
                "{n} row of the “{layer}” layer in {file} breaks the data model and is left out: row {row}, {field}: "
                "{reason}.",
                "{n} rows of the “{layer}” layer in {file} break the data model and are left out; first: row {row}, "
                "{field}: {reason}.", len(rej),
                layer=_(LAYER_WORDS.get(name, name)), file=data.name, row=first["row"],
                field=_(FIELD_WORDS[field]) if field in FIELD_WORDS else field, reason=_.message(first["reason"])))


def sidebar_filters(data: Data) -> IncidentFilter:
    """The filters every page applies: area, settlements, period, categories.

    Widgets keep the stored values (area names and settlement ids as in the workspace, category codes);
    only what they show is in the reader's language, so a filter survives a change of language.
    """
    _ = tr()
    sb = st.sidebar
    sb.header(_("Filters"))
    areas = data.areas
    # the first area by default: a whole-country extent shows no city in useful detail. Incidents outside every
    # settlement are a pseudo-area of their own ("Imported data", geo.select.OUTSIDE), offered when there are any
    # and first when they are most incidents: "All" would open on the settlements, maybe a continent away.
    outside = int((~inside_units(data.incidents)).sum()) if len(data.boundaries) and len(data.incidents) else 0
    options = [*areas, ALL, *([OUTSIDE] if outside else [])]
    if outside * 2 > len(data.incidents):
        options = [OUTSIDE, *areas, ALL]
    # After an import the choices change: a remembered area, period or category list from before would hide
    # the new data (a Bishkek filter on Chicago's incidents shows 0; new categories left unticked drop most rows).
    present = categories_present(data.incidents, data.categories.keys)
    extent = period_of(data.incidents) if len(data.incidents) else None
    _forget_when_changed("f_area", tuple(options), ["f_area"])
    _forget_when_changed("f_cats", tuple(present), ["f_cats"])
    if _forget_when_changed("f_period", extent, [k for k in st.session_state if str(k).startswith("f_period")]):
        st.query_params.pop("period", None)  # the address's period belongs to the data before: the default now
    area_words = area_names(data.boundaries, _.lang)
    area = (sb.radio(_("Area"), options, horizontal=True, key="f_area",
                     format_func=lambda a: _("All areas") if a == ALL else _("Imported data") if a == OUTSIDE
                     else markdown_escape(area_words.get(a, a)),  # radio labels are Markdown; names are text
                     help=_("The municipality to study. Every page, map and table shows only this area."))
            if areas or outside else ALL)
    pool = (data.boundaries.iloc[:0] if area == OUTSIDE else data.boundaries if area == ALL
            else data.boundaries[data.boundaries["area"] == area])
    # options are unit ids (names repeat: two villages of one name); shown by name, a repeated one with its parent
    ids = unit_ids(pool).tolist()
    local = dict(zip(ids, unit_labels(data.boundaries, _.lang).loc[pool.index], strict=True))
    units = sb.multiselect(_("Settlements"), ids, placeholder=_("All settlements"), key=f"f_units_{area}",
                           format_func=lambda n: local.get(n, n),
                           help=_("Leave empty for every settlement of the area, or pick the ones to study."))
    start, end = period_picker(data.incidents, _)  # a year, quarter, month or two days, kept in the address
    cat_words = data.categories.labels(_)
    cats = sb.multiselect(_("Categories"), present, default=present, key="f_cats",
                          placeholder=_("Choose categories"),
                          format_func=lambda c: cat_words.get(c, c),
                          help=_("The kinds of crime to include. Remove one to leave it out everywhere."))
    return IncidentFilter(
        area=None if area == ALL else area,
        units=tuple(units) or None,
        start=start,
        end=end,
        categories=tuple(cats),
    )


def _forget_when_changed(name: str, choices: object, keys: list[str]) -> bool:
    """Drop the widgets' remembered values (``keys``) when their ``choices`` differ from the last run's.

    The first run of a session only records the choices: the address or the defaults decide then.
    Returns whether anything was forgotten.
    """
    marker = f"_choices_{name}"
    changed = marker in st.session_state and st.session_state[marker] != choices
    if changed:
        for key in keys:
            st.session_state.pop(key, None)
    st.session_state[marker] = choices
    return changed


def study_key(data: Data, f: IncidentFilter) -> str:
    """What a cached analysis of the sidebar's study depends on: the workspace, its version, the filter.

    Pages key their ``st.cache_data`` analyses on it (with the layers passed unhashed), so an analysis
    runs once per study and setting, never again for another language: the language is not part of it.
    """
    return repr((data.location, data.version, f))


def current_study(data: Data, f: IncidentFilter) -> Study:
    """The sidebar's study (:func:`geo.select.select_study`, as the pack and the CLI select it), or stop the page.

    Incidents outside every settlement are left out, and the page says how many.
    """
    _ = tr()
    try:
        study = select_study(data.layers, f)
    except ValueError as exc:
        st.info(_("Nothing to show for these filters: {reason}", reason=_.message(str(exc))))
        st.stop()
    if study.outside:
        st.caption(_.plural("{n} incident that passes the filters lies outside every settlement and is left out.",
                            "{n} incidents that pass the filters lie outside every settlement and are left out.",
                            study.outside))
    return study


LANG_COOKIE = "koopsuz_lang"
LANG_KEY = "lang"


@st.cache_resource(max_entries=len(LANGS))
def _tr(lang: str) -> Tr:
    # Pages show text through Streamlit's Markdown: the values put into messages (names, files, labels from
    # the data) are escaped there, so that an area named "![a](http://host/x.png)" is shown, never fetched.
    return Tr(lang, markdown=True)


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
    _ = tr()
    words = {"osm": _("OpenStreetMap (needs the internet)"), "none": _("No background map (works offline)"),
             "custom": _("Local tile server")}
    with st.sidebar.expander(_("Map settings")):
        default = Tiles.from_env().setting
        choice = st.selectbox(_("Background map"), ["osm", "none", "custom"],
                              index=["osm", "none"].index(default) if default in ("osm", "none") else 2,
                              format_func=words.get, key="tiles_choice",
                              # the setting's name (TILES_ENV) is in the README: an administrator's word
                              help=_("The map drawn under the layers. Without the internet choose no background "
                                     "or a tile server of your own network."))
        if choice != "custom":
            return Tiles(choice)
        url = st.text_input(_("Address of the tile server"), value="" if default in ("osm", "none") else default,
                            placeholder="http://localhost:8080/{z}/{x}/{y}.png", key="tiles_url",
                            help=_("With {z}, {x} and {y} where the zoom and the tile numbers go."))
        try:
            return Tiles.parse(url)
        except ValueError as exc:
            st.warning(_.message(str(exc)))
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


def map_download(m, *, name: str, title: str, file_name: str | None = None):
    """A button that saves the map as it is drawn as one HTML file that opens offline.

    Call it after ``st_folium`` has drawn ``m``: the file is built only when
    the button is pressed, and building it points the map's assets at inlined
    copies. ``name`` keys the button (the same in every language); ``file_name``
    (without ``.html``) is what the reader's computer saves, ``name`` when not given.
    Returns the function that builds the file (what the button calls).
    """
    from branca.element import Figure

    from geo.io.provenance import LAYER_ORDER, source_text
    from layers.legend import SourceNote
    from layers.standalone import standalone_html

    _ = tr()
    data = load_data()
    # the file leaves the app: it says where its data came from, as a print map's footer does
    source = source_text(data.meta, layers=[n for n in LAYER_ORDER if len(getattr(data, n))], lang=_.lang)

    def page() -> str:
        # st_folium renders the map into its page and then renames it (its id becomes the component's); the
        # page keeps the script of the map under its first name, so rendering that page again wrote two maps
        # (a 4 MB file with two L.map). A fresh page holds only what this render writes: one map.
        Figure().add_child(m)
        if source and not getattr(m, "_koopsuz_source", False):
            SourceNote(_("Data source: {source}", source=source)).add_to(m)
            m._koopsuz_source = True  # a second click adds no second line
        return standalone_html(m, title=title, lang=_.lang)

    st.download_button(_("Download this map (HTML, opens offline)"), data=page,
                       file_name=f"{file_name or name}.html", mime="text/html", key=f"dl_map_{name}",
                       help=_("One file with the map, its layers and legends: it opens in a browser without the "
                              "internet and without any other file."))
    return page


def file_words(text: str) -> str:
    """``text`` (words in any script) as a file name: spaces to underscores, no characters a file system refuses."""
    cleaned = "".join("_" if c in '<>:"/\\|?*' or c.isspace() else c for c in text.strip())
    return "_".join(p for p in cleaned.split("_") if p) or "koopsuz"



def _css_text(text: str) -> str:
    """``text`` as a CSS string literal (quotes and backslashes escaped, no line breaks)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def translate_chrome(_: Tr) -> None:
    """Streamlit's own English words (upload button, size limit, Stop) in the reader's language.

    Streamlit has no setting for the words of its widgets, so a small style sheet hides them
    (``visibility: hidden`` also leaves them out of the page's text) and writes the translation in
    their place with ``::after``. Selectors are Streamlit's ``data-testid`` names, which it keeps
    stable across releases. English readers keep Streamlit's own words.
    """
    if _.lang == "en":
        return
    limit = int(st.get_option("server.maxUploadSize"))
    replaced = {
        # the file uploader's button and its size line ("200MB per file • CSV, XLSX")
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p':
            _("Choose a file"),
        '[data-testid="stFileUploaderDropzoneInstructions"] span': _("Up to {mb} MB per file", mb=_.int(limit)),
        # the Stop button shown while a page is working
        '[data-testid="stStatusWidget"] button': _("Stop"),
        # "Press Enter to apply" under a text field being edited
        '[data-testid="InputInstructions"]': _("Press Enter to apply"),
        # the keyboard users' link to the page, shown when it has the focus
        '[data-testid="stSkipToContent"]': _("Skip to main content"),
    }
    rules = [f"{sel} {{font-size: 0 !important; visibility: hidden;}}\n"
             f"{sel}::after {{content: {_css_text(text)}; font-size: 0.875rem; visibility: visible;}}"
             for sel, text in replaced.items()]
    st.html("<style>\n" + "\n".join(rules) + "\n</style>")


def localized(frame: pd.DataFrame, _: Tr) -> pd.DataFrame | pd.io.formats.style.Styler:
    """A table for ``st.dataframe`` whose numbers read as the language writes them (``1 341,2``).

    The cells keep their values, so a click on a header still sorts by number; only what is shown is
    formatted. A float column shows as many decimals as its values carry (at most four).
    """
    formats = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            continue
        if pd.api.types.is_integer_dtype(values):
            formats[column] = _.int
        else:
            digits = _decimals(values)
            formats[column] = lambda v, d=digits: _.num(v, d)
    if not formats or not frame.columns.is_unique:
        return frame
    return frame.style.format(formats, na_rep="–")


def _decimals(values: pd.Series) -> int:
    finite = pd.to_numeric(values, errors="coerce").dropna()
    finite = finite[finite.abs() < 1e15]
    for digits in range(5):
        if ((finite - finite.round(digits)).abs() < 1e-9).all():
            return digits
    return 4


def result_block(key: str, *, stale: bool, message: str | None = None):  # noqa: ANN201 - a Streamlit container
    """The container of a result made earlier on this page (a proposal, maps, a pack).

    A result is shown as current only while the page's settings are the ones it was made with; otherwise
    it is greyed out under a warning that says so (``message``, or a general one), never passed off as
    an answer to the settings now on the page.
    """
    _ = tr()
    if stale:
        st.warning(message or _("The settings have changed since this was made, so it is out of date: make it "
                                "again with the button above."))
        st.html(f"<style>.st-key-{key}_stale {{ opacity: 0.4; filter: grayscale(1); }}</style>")
    return st.container(key=f"{key}_stale" if stale else f"{key}_current")
