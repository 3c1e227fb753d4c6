"""What every page shares: the open workspace, the sidebar filters, the tiles setting."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.select import (IncidentFilter, Study, assign_units, categories_present, default_period, period_of,
                        select_study)
from geo.schema import CATEGORIES, CATEGORY_LABELS, LAYERS, SchemaError, validate
from geo.io.store import Workspace, WorkspaceError
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


def stored_upload(upload) -> Path:
    """The upload on disk, under its own name, once per distinct file."""
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "koopsuz-uploads" / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(upload.name).name
    if not path.exists():
        path.write_bytes(data)
    return path


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
