"""A viewer's browser receives no recorded location, description or registry number (issue 15, acceptance 1).

The server listens on every address (as a deployment does), so the sign-in form comes first; a viewer
and an analyst sign in with accounts made by ``python -m geo user add``. The viewer opens every page a
viewer has (Overview, Hotspots, What residents feel, Export, Published) and downloads every export and publication there. Everything the browser
receives is recorded: every HTTP response body, every websocket frame (Streamlit's protobuf
``ForwardMsg``: scanned as text, and decoded so that the strings inside, such as the map's HTML sent to
streamlit-folium, and the Arrow tables of ``st.dataframe`` are read), and every downloaded file (zips
opened, PDFs through ``pdftotext``, GeoPackages read; pictures skipped). Then:

- no *point* coordinate in any of it lies within the masking's minimum displacement of any recorded
  incident (:func:`geo.privacy.leaks`). Points, not polygons: a settlement's or a grid cell's corner may
  lie near an incident by chance; the stations' and cameras' own recorded places are not incidents;
- no description and no registry number of a recorded incident appears.

The same pages opened by an analyst do show the exact points, the descriptions and the numbers: the
same checks find them, so the test can fail.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers.text import unpack_all
from browser_support import ARTIFACTS, Session, browser, free_port, wait_healthy  # noqa: F401 - fixtures
from conftest import ROOT
from geo.crs import WGS84
from geo.io.store import Workspace
from geo.privacy import PrivacyPolicy, coordinates_in_text, leaks
from geo.schema import validate

pytestmark = pytest.mark.browser

DEMO = ROOT / "data" / "demo" / "municipalities" / "jeti-oguz.gpkg"
PASSWORD = "correct horse battery staple 15"
USERS = {"council": "viewer", "planner": "analyst"}
MIN_M = PrivacyPolicy().min_m

_NUM = r"-?\d{1,3}\.\d+"
_Q = r'\\*"'  # a quote, perhaps escaped once or twice (JSON inside JSON)
_LAT = re.compile(_Q + r"lat" + _Q + r"\s*:\s*\[([-\d.,\s]*)\]")
_LON = re.compile(_Q + r"lon" + _Q + r"\s*:\s*\[([-\d.,\s]*)\]")
_GEOJSON_POINT = re.compile(_Q + r"type" + _Q + r"\s*:\s*" + _Q + r"Point" + _Q + r"\s*,\s*" + _Q + r"coordinates"
                            + _Q + rf"\s*:\s*\[\s*({_NUM})\s*,\s*({_NUM})")
_GEOJSON_POINT_AFTER = re.compile(_Q + r"coordinates" + _Q + rf"\s*:\s*\[\s*({_NUM})\s*,\s*({_NUM})\s*\]\s*,\s*"
                                  + _Q + r"type" + _Q + r"\s*:\s*" + _Q + r"Point" + _Q)
_MARKER = re.compile(rf"L\.(?:marker|circleMarker|circle)\(\s*\[\s*({_NUM})\s*,\s*({_NUM})\s*\]")
_REGISTRY = re.compile(r"[A-Z]{2,4}-\d{4}-\d{6}")
_UNICODE = re.compile(r"\\u([0-9a-fA-F]{4})")


# ---------------------------------------------------------------- what the browser received

class Payloads:
    """Every text the browser received or saved, and the point coordinates found in it (lon, lat)."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []  # (where, text)
        self.points: list[np.ndarray] = []
        self.sources: list[str] = []  # where each entry of points came from
        self.files: list[str] = []

    def add_text(self, where: str, text: str) -> None:
        text = _UNICODE.sub(lambda m: chr(int(m.group(1), 16)), text)  # JSON's \uXXXX: descriptions as written
        self.texts.append((where, text))
        self.points.append(point_coordinates(text))
        self.sources.append(where)
        for value in unpack_all(text):  # the incident layer's columns travel compressed: read them inflated
            self.add_text(where + " (inflated)", json.dumps(value, ensure_ascii=False))

    def add_points(self, lonlat: np.ndarray, where: str = "") -> None:
        self.points.append(np.asarray(lonlat, dtype=float).reshape(-1, 2))
        self.sources.append(where)

    def add_bytes(self, where: str, data: bytes) -> None:
        """A response body or a websocket frame: as text, and decoded as a ForwardMsg when it is one."""
        self.add_text(where, data.decode("latin-1"))
        with contextlib.suppress(UnicodeDecodeError):
            self.add_text(where + " (utf-8)", data.decode("utf-8"))
        for text in forward_msg_strings(data):
            self.add_text(where + " (ForwardMsg)", text)

    def add_file(self, name: str, data: bytes) -> None:
        """A downloaded file: zips opened, PDFs as text, GeoPackages read, tables parsed, pictures skipped."""
        self.files.append(name)
        suffix = Path(name).suffix.lower()
        if suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for inner in z.namelist():
                    self.add_file(f"{name}/{inner}", z.read(inner))
        elif suffix == ".pdf":
            with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
                f.write(data)
                f.flush()
                text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, check=True).stdout
                meta = subprocess.run(["pdfinfo", f.name], capture_output=True).stdout
            self.add_text(name, text.decode("utf-8", "replace") + "\n" + meta.decode("utf-8", "replace"))
            self.add_points(coordinates_in_text(text.decode("utf-8", "replace")), name)  # a table's coordinates
        elif suffix in (".png", ".tif", ".tiff", ".jpg"):
            return
        elif suffix == ".gpkg":
            self.add_gpkg(name, data)
        elif suffix == ".xlsx":
            for sheet, frame in pd.read_excel(io.BytesIO(data), sheet_name=None).items():
                self.add_table(f"{name}:{sheet}", frame)
        else:
            text = data.decode("utf-8-sig", "replace")
            self.add_text(name, text)
            if suffix == ".csv":
                with contextlib.suppress(Exception):
                    self.add_table(name, pd.read_csv(io.StringIO(text)))

    def add_table(self, where: str, frame: pd.DataFrame) -> None:
        """A table: its text, and the points of any pair of latitude and longitude columns."""
        self.add_text(where, frame.to_csv(index=False))
        cols = {str(c).lower(): c for c in frame.columns}
        for lat, lon in (("lat", "lon"), ("latitude", "longitude"), ("y", "x"), ("широта", "долгота")):
            if lat in cols and lon in cols:
                xy = np.column_stack([pd.to_numeric(frame[cols[lon]], errors="coerce"),
                                      pd.to_numeric(frame[cols[lat]], errors="coerce")])
                self.add_points(xy, where)

    def add_gpkg(self, where: str, data: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "f.gpkg"
            path.write_bytes(data)
            with sqlite3.connect(path) as con:
                tables = [r[0] for r in con.execute("select table_name from gpkg_contents")]
            for layer in tables:
                frame = gpd.read_file(path, layer=layer)
                self.add_text(f"{where}:{layer}", frame.drop(columns=frame.geometry.name, errors="ignore")
                              .to_csv(index=False) if isinstance(frame, gpd.GeoDataFrame) else frame.to_csv())
                if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None and len(frame):
                    g = frame.geometry.to_crs(WGS84)
                    pts = g[g.geom_type.isin(["Point", "MultiPoint"])]
                    self.add_points(shapely.get_coordinates(np.asarray(pts.to_numpy())), f"{where}:{layer}")

    def coordinates(self) -> np.ndarray:
        found = [p for p in self.points if len(p)]
        return np.vstack(found) if found else np.empty((0, 2))

    def holding(self, needles: set[str]) -> dict[str, str]:
        """Which needles appear, and the first payload holding each."""
        out = {}
        for where, text in self.texts:
            for needle in needles - set(out):
                if needle in text:
                    out[needle] = where
        return out


def point_coordinates(text: str) -> np.ndarray:
    """Point coordinates (lon, lat) written in ``text``: incident payloads, GeoJSON points, Leaflet markers."""
    pairs: list[tuple[float, float]] = []
    for lats, lons in zip(_LAT.findall(text), _LON.findall(text), strict=False):
        la = np.array([float(v) for v in lats.split(",") if v.strip()])
        lo = np.array([float(v) for v in lons.split(",") if v.strip()])
        if len(la) == len(lo):
            pairs += list(zip(lo.tolist(), la.tolist(), strict=True))
    pairs += [(float(x), float(y)) for x, y in _GEOJSON_POINT.findall(text)]
    pairs += [(float(x), float(y)) for x, y in _GEOJSON_POINT_AFTER.findall(text)]
    pairs += [(float(lon), float(lat)) for lat, lon in _MARKER.findall(text)]
    return np.array(pairs, dtype=float).reshape(-1, 2)


def forward_msg_strings(data: bytes) -> list[str]:
    """Every string inside a Streamlit ForwardMsg (and the Arrow tables as CSV), or ``[]`` when it is none."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    try:
        msg.ParseFromString(data)
    except Exception:  # noqa: BLE001 - not a ForwardMsg (an HTTP body of another kind)
        return []
    out: list[str] = []

    def walk(m) -> None:  # noqa: ANN001 - a protobuf message
        for field, value in m.ListFields():
            repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED
            values = value if repeated else [value]
            for v in values:
                if field.type == field.TYPE_MESSAGE:
                    if hasattr(v, "ListFields"):
                        walk(v)
                    elif hasattr(v, "items"):  # a map field
                        out.extend(str(x) for kv in v.items() for x in kv)
                elif isinstance(v, str):
                    out.append(v)
                    out.extend(json_strings(v))
                elif isinstance(v, bytes):
                    out.append(v.decode("latin-1"))
                    with contextlib.suppress(Exception):
                        import pyarrow as pa

                        out.append(pa.ipc.open_stream(v).read_all().to_pandas().to_csv(index=False))

    walk(msg)
    return out


def json_strings(text: str) -> list[str]:
    """The strings inside ``text`` when it is JSON (the map's HTML in streamlit-folium's arguments)."""
    if not text[:1] in "{[":
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return []
    out: list[str] = []

    def walk(v: object) -> None:
        if isinstance(v, str):
            out.append(v)
            out.extend(json_strings(v))
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(value)
    return out


# ---------------------------------------------------------------- the app, its accounts, the sessions

@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's Jeti-Oguz municipality in a folder of its own, with a viewer's and an analyst's accounts."""
    where = tmp_path_factory.mktemp("viewer") / "municipalities"
    where.mkdir()
    shutil.copy(DEMO, where / DEMO.name)
    for user, role in USERS.items():
        subprocess.run([sys.executable, "-m", "geo", "user", "add", user, "--name", user.title(), "--role", role,
                        "--workspace", str(where), "--password-stdin"], input=PASSWORD + "\n", text=True,
                       cwd=ROOT, check=True, capture_output=True)
    publish_overview(where / DEMO.name)
    return where


def publish_overview(path: Path) -> None:
    """What an analyst publishes for viewers (the Export page's Publish tab calls the same functions): the
    overview map, made from the incidents masked as a viewer reads them."""
    from geo.privacy import viewer_layer
    from geo.publish import publish
    from geo.publish.make import map_files, publication_params
    from geo.report import ReportOptions, read_layers

    layers = read_layers(path)
    layers["incidents"] = viewer_layer(layers["incidents"], boundaries=layers["boundaries"], roads=layers["roads"],
                                       policy=PrivacyPolicy(), seed=15)
    opts = ReportOptions(min_count=PrivacyPolicy().min_count)
    view, files = map_files(layers, kind="overview", options=opts)
    publish(Workspace(path), kind="overview", title="Overview for the council", audience="viewer", by="planner",
            files=files, lang="en", params=publication_params(layers, options=opts, view=view))


@pytest.fixture(scope="module")
def recorded() -> dict[str, gpd.GeoDataFrame]:
    ws = Workspace(DEMO)
    return {name: validate(ws.read(name), name).accepted for name in ("incidents", "stations", "cameras")}


@pytest.fixture(scope="module")
def app(folder: Path) -> Iterator[str]:
    """`streamlit run` on every address (not the loopback only): the sign-in form comes first."""
    port = free_port()
    env = {**os.environ, "KOOPSUZ_WORKSPACE": str(folder), "KOOPSUZ_TILES": "none", "KOOPSUZ_LANG": "en"}
    env.pop("KOOPSUZ_DATABASE", None)
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"streamlit-viewer-{port}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "0.0.0.0", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(port, proc, 90)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


class Recorder(Session):
    """A session that keeps every payload the browser receives."""

    def __init__(self, browser, payloads: Payloads) -> None:  # noqa: ANN001
        super().__init__(browser)
        self.payloads = payloads
        self.bodies: list = []
        self.frames: list = []
        self.page.on("response", lambda response: self.bodies.append(response))
        self.page.on("websocket", self._socket)

    def _socket(self, ws) -> None:  # noqa: ANN001
        ws.on("framereceived", lambda payload: self.frames.append(payload))

    def collect(self) -> None:
        """Read the bodies of the responses so far (read late: reading inside the event would block it)."""
        for response in self.bodies:
            with contextlib.suppress(Exception):
                self.payloads.add_bytes(response.url, response.body())
        self.bodies.clear()
        for frame in self.frames:
            self.payloads.add_bytes("websocket", frame if isinstance(frame, bytes) else frame.encode("utf-8"))
        self.frames.clear()

    def sign_in(self, app: str, user: str) -> None:
        self.sign_in_as(app, user, PASSWORD)

    def wait_map(self) -> None:  # noqa: D102 - a map of any content
        self.map.locator(".leaflet-container").wait_for(timeout=120_000)
        self.settle()
        self.page.wait_for_timeout(500)

    def download(self, key: str, *, timeout: float = 180_000) -> None:
        button = self.key(key).get_by_role("button")
        button.wait_for(timeout=timeout)
        for attempt in range(4):
            # a click while the page still runs interrupts the run, and the file of the interrupted run is gone
            # before the browser fetches it (the download is cancelled): click once the page has been quiet
            self.quiet()
            with self.page.expect_download(timeout=timeout) as info:
                button.click()
            download = info.value
            if download.failure() is None:
                self.payloads.add_file(download.suggested_filename, Path(download.path()).read_bytes())
                return
        pytest.fail(f"the download of {key} was cancelled {attempt + 1} times")

    def quiet(self, *, seconds: float = 2.0) -> None:
        """Wait until the app has not been running for ``seconds`` (its status widget hidden all along)."""
        status = self.page.locator("[data-testid=stStatusWidget]")
        calm = 0.0
        for _ in range(600):
            if status.count() and status.first.is_visible():
                calm = 0.0
            else:
                calm += 0.25
                if calm >= seconds:
                    return
            self.page.wait_for_timeout(250)


def _check(payloads: Payloads, recorded: dict[str, gpd.GeoDataFrame]) -> tuple[gpd.GeoDataFrame, dict, dict]:
    """The recorded incidents found near a received point; the descriptions and registry numbers received."""
    pts = payloads.coordinates()
    # The stations' and cameras' own places are theirs, not an incident's (a station may stand by one). The
    # proposed sites (points of the Planner's regular grid of candidate places, geo.siting.grid_candidates)
    # and the centres of the top hot spots and density peaks (centres of grid cells) are places of a lattice
    # laid over the settlements, chosen where incidents are many, so near some by construction, and placed
    # by no incident's position: they are left out, with the pack's printed copies of them (to 10 m), once it
    # is checked that none is an incident's place.
    sites = [p for where, p in zip(payloads.sources, payloads.points, strict=True)
             if ("proposed_sites" in where or where.rsplit(":", 1)[-1].removesuffix(".csv").endswith("_top"))
             and len(p)]
    sites_xy = np.vstack(sites) if sites else np.empty((0, 2))
    assert len(leaks(sites_xy, recorded["incidents"], min_m=1.0)) == 0
    others = pd.concat([recorded["stations"].geometry, recorded["cameras"].geometry]).to_crs(WGS84)
    for own, tolerance in ((shapely.get_coordinates(np.asarray(others.to_numpy())), 1e-5), (sites_xy, 1e-4)):
        if len(pts) and len(own):
            near = np.min(np.hypot(*(pts[:, None, :] - own[None, :, :]).transpose(2, 0, 1)), axis=1)
            pts = pts[near > tolerance]
    found = leaks(pts, recorded["incidents"], min_m=MIN_M)
    texts = set(recorded["incidents"]["description"].dropna().astype(str)) - {""}
    ids = set(recorded["incidents"]["id"].astype(str))
    numbers = {n: w for where, text in payloads.texts for n in set(_REGISTRY.findall(text)) & ids
               for w in [where]}
    return found, payloads.holding(texts), numbers


def test_a_viewer_receives_no_recorded_place_description_or_number(app, browser, recorded):
    payloads = Payloads()
    s = Recorder(browser, payloads)
    try:
        s.sign_in(app, "council")
        # a viewer's pages: Overview, Hotspots and Export (app.py registers no other)
        nav = s.page.locator("[data-testid=stSidebarNav] a")
        assert sorted(urlparse(a.get_attribute("href")).path.strip("/") for a in nav.all()) == [
            "", "export", "hotspots", "published", "residents"]
        # Overview: the map, its HTML file
        s.wait_map()
        assert "(donut masking)" in s.page.locator("[data-testid=stCaptionContainer]").all_inner_texts().__str__()
        s.download("dl_map_overview_map")
        # Hotspots: each method's map and file
        s.go("hotspots")
        s.wait_map()
        s.download("dl_map_hotspot_map")
        s.download("hs_download")
        for index in (0, 2):  # density, smoothed rate (the page opens on hot spots (Gi*))
            s.choose_nth("hs_method", index)
            s.wait_map()
            s.download("dl_map_hotspot_map")
            s.download("hs_download")
        # What residents feel: the survey's shares beside the rates, its map and table
        s.go("residents")
        s.map.locator("path.kz-perception").first.wait_for(state="attached", timeout=120_000)
        s.page.locator("[data-testid=stDataFrame]").wait_for(timeout=60_000)
        s.settle()
        # Published: what an analyst published for viewers, each file
        s.go("published")
        buttons = s.page.locator("[class*='st-key-pub_dl_']")
        buttons.first.wait_for(timeout=120_000)
        keys = [next(c for c in b.get_attribute("class").split() if c.startswith("st-key-pub_dl_"))
                for b in buttons.all()]
        assert len(keys) == 2  # the map's PNG and PDF
        for key in keys:
            s.download(key.removeprefix("st-key-"))
        s.collect()
        s.close()
        # Export, in a page of its own (Chromium cancels a page's downloads after a handful of them): the print
        # maps in every format, the pack, the data
        s = Recorder(browser, payloads)
        s.sign_in(app, "council")
        s.go("export")
        for index, ext in enumerate(("png", "pdf", "svg", "html")):
            s.choose_nth("ex_format", index)
            s.quiet()
            s.key("ex_make").get_by_role("button").click()
            # the map of the format just chosen: its button names the file (views.common.result_block)
            s.page.locator(f".st-key-ex_current .st-key-ex_dl_0 button:has-text('.{ext}')").wait_for(timeout=180_000)
            s.download("ex_dl_0")
        tabs = s.page.locator("[data-testid=stMain] [role=tab]")
        tabs.nth(1).click()
        s.key("pk_build").get_by_role("button").wait_for(timeout=120_000)
        s.key("pk_build").get_by_role("button").click()
        s.download("pk_dl_pdf", timeout=240_000)
        s.download("pk_dl_zip")
        tabs.nth(2).click()
        s.key("dt_make").get_by_role("button").wait_for(timeout=120_000)
        s.key("dt_make").get_by_role("button").click()
        s.key("dt_dl_0").get_by_role("button").wait_for(timeout=240_000)
        for i in range(s.page.locator("[class*='st-key-dt_dl_']").count()):
            s.download(f"dt_dl_{i}")
        s.collect()
        s.page.screenshot(path=str(ARTIFACTS / "viewer_export.png"), full_page=True)
    finally:
        s.close()
    found, texts, numbers = _check(payloads, recorded)
    assert len(payloads.coordinates()) > 1000  # the masked points were found and checked
    assert {Path(f).suffix for f in payloads.files} >= {".html", ".png", ".pdf", ".svg", ".zip", ".gpkg"}
    sources = [(where, len(pts), len(leaks(pts, found, min_m=MIN_M)))
               for where, pts in zip(payloads.sources, payloads.points, strict=True)
               if len(pts) and len(found) and len(leaks(pts, found, min_m=MIN_M))]
    (ARTIFACTS / "viewer_leaks.json").write_text(json.dumps(sources, indent=1))
    assert len(found) == 0, (found[["id", "category"]].head().to_dict("records"), [
        (where, len(pts)) for where, pts in zip(payloads.sources, payloads.points, strict=True)
        if len(pts) and len(leaks(pts, found, min_m=MIN_M))])
    assert texts == {}, list(texts.items())[:3]
    assert numbers == {}, list(numbers.items())[:3]
    # and the pack says it was made for a viewer, how the points were moved
    pack = "\n".join(t for w, t in payloads.texts if w.endswith(".pdf"))
    assert "(donut masking)" in pack and "Made for a viewer" in pack


def test_an_analyst_on_the_same_pages_receives_the_exact_points(app, browser, recorded):
    payloads = Payloads()
    s = Recorder(browser, payloads)
    try:
        s.sign_in(app, "planner")
        s.wait_map()
        s.download("dl_map_overview_map")
        s.go("hotspots")
        s.wait_map()
        s.collect()
    finally:
        s.close()
    found, texts, numbers = _check(payloads, recorded)
    # the same checks find every recorded incident of the map (the default period: the data's latest year),
    # with its words and its number
    inc = recorded["incidents"]
    year = inc[inc["occurred_at"].dt.year == inc["occurred_at"].dt.year.max()]
    assert set(year["id"]) <= set(found["id"])
    assert set(year["id"]) <= set(numbers)
    assert set(year["description"].dropna()) <= set(texts)
