"""Print maps: every kind in PNG, PDF and SVG, page sizes, furniture drawn, same bytes twice, Cyrillic, tiles.

Files are written for real and read back: PNG with Pillow, PDF rendered by
poppler's ``pdftoppm`` (``make test`` installs poppler-utils), SVG parsed as
XML. Pixel checks crop the regions each figure records in ``koopsuz_regions``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import http.server
import io
import math
import re
import socket
import subprocess
import threading
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
import matplotlib.colors as mcolors
from matplotlib.patches import Polygon as MplPolygon
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from geo import palette
from geo.coverage import coverage_gaps, service_areas
from geo.crs import WGS84
from geo.demo import make_demo
from geo.stats.density import kernel_density
from geo.printmap import (
    FORMATS,
    PAPERS,
    MapContent,
    export_map,
    map_figure,
    pdf_pages,
    save_figure,
    table_figure,
    text_figure,
)
from geo.printmap.furniture import nice_length
from geo.printmap.layers import RASTERIZE_POINTS
from geo.printmap.style import fmt_num
from geo.printmap.tiles import MAX_TILES
from geo.stats.hotspots import hotspots
from pack_pages import COLD, HOT, RATES, colour_pixels, density_colors

PDFTOPPM = "/usr/bin/pdftoppm"
DATE = dt.date(2024, 5, 17)
TILE_RGB = (170, 211, 223)


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def demo() -> dict[str, gpd.GeoDataFrame]:
    return make_demo(scale=0.2)


@pytest.fixture(scope="module")
def bishkek(demo: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The city part of the demo: its districts and what lies in them."""
    b = demo["boundaries"]
    units = b[b["area"] == "Bishkek"]
    area = units.union_all()
    return {"units": units, "incidents": demo["incidents"][demo["incidents"].within(area)],
            "stations": demo["stations"][demo["stations"].within(area)],
            "cameras": demo["cameras"][demo["cameras"].within(area)],
            "roads": demo["roads"][demo["roads"].intersects(area)]}


@pytest.fixture(scope="module")
def contents(demo: dict[str, gpd.GeoDataFrame], bishkek: dict[str, gpd.GeoDataFrame]) -> dict[str, MapContent]:
    units, inc, st = bishkek["units"], bishkek["incidents"], bishkek["stations"]
    counts = gpd.sjoin(inc, units[["geometry"]], predicate="within")["index_right"].value_counts()
    rates = units.assign(value=counts.reindex(units.index, fill_value=0) / units["population"] * 1e5)
    areas = service_areas(st, radius=1500)
    gaps = coverage_gaps(inc, st, radius=1500, boundaries=units)
    assert len(gaps) >= 3, "the demo should leave gaps at 1,500 m"
    sites = gpd.GeoDataFrame({"rank": [1, 2, 3]}, geometry=gaps.geometry.representative_point().iloc[:3].to_numpy(),
                             crs=gaps.crs)
    return {
        "overview": MapContent(boundaries=demo["boundaries"], roads=demo["roads"], stations=demo["stations"],
                               cameras=demo["cameras"], incidents=demo["incidents"]),
        "hotspots": MapContent(boundaries=units, roads=bishkek["roads"], density=kernel_density(inc),
                               gi_cells=hotspots(inc, boundary=units).cells),
        "rates": MapContent(rates=rates, boundaries=units, roads=bishkek["roads"]),
        "coverage": MapContent(boundaries=units, stations=st, coverage=areas, gaps=gaps),
        "sites": MapContent(boundaries=units, stations=st, coverage=areas, gaps=gaps, proposed=sites,
                            proposed_areas=service_areas(sites, radius=1500)),
    }


def rendered(path: Path, tmp: Path) -> np.ndarray:
    """The file as an RGB array: PNG read by Pillow, PDF rendered by pdftoppm at 50 dpi."""
    if path.suffix == ".png":
        return np.asarray(Image.open(path).convert("RGB"))
    if not Path(PDFTOPPM).exists():
        pytest.fail(f"{PDFTOPPM} is missing: `make test` installs poppler-utils")
    prefix = tmp / f"{path.stem}-render"
    subprocess.run([PDFTOPPM, "-r", "50", "-png", "-singlefile", str(path), str(prefix)], check=True,
                   capture_output=True, timeout=120)
    return np.asarray(Image.open(f"{prefix}.png").convert("RGB"))


def crop(img: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Figure coordinates (x0, y0, x1, y1), y up, to a pixel crop."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = box
    return img[round((1 - y1) * h):round((1 - y0) * h), round(x0 * w):round(x1 * w)]


def ink(a: np.ndarray) -> int:
    """Pixels darker than light grey."""
    return int((a[..., :3].min(axis=-1) < 200).sum())


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def file_bytes(content: MapContent, fmt: str, **kw: object) -> bytes:
    fig = map_figure(content, title=kw.pop("title", "Test map"), date=DATE, **kw)
    buf = io.BytesIO()
    save_figure(fig, buf, format=fmt, dpi=kw.pop("dpi", 100))
    return buf.getvalue()


def png(content: MapContent, **kw: object) -> tuple[np.ndarray, object]:
    fig = map_figure(content, title=kw.pop("title", "Test map"), date=DATE, **kw)
    buf = io.BytesIO()
    save_figure(fig, buf, format="png", dpi=100)
    return np.asarray(Image.open(buf).convert("RGB")), fig


# The analysis layer of each kind of map: the MapContent fields it is drawn from, and its colours with the alpha
# geo.printmap.layers lays them with. The category colours leave out the two greys (extremism, other), which
# the boundaries, roads and labels could give.
ANALYSIS: dict[str, tuple[tuple[str, ...], list[tuple[list, float]]]] = {
    "overview": (("incidents",), [([c for c in palette.CATEGORY_COLORS.values()
                                   if np.ptp(np.asarray(mcolors.to_rgb(c))) > 0.25], 0.85)]),
    "hotspots": (("density", "gi_cells"), [(HOT, 0.75), (COLD, 0.75), (density_colors()[8:], 0.75)]),
    "rates": (("rates",), [(RATES, 0.8)]),
    "coverage": (("coverage", "gaps"), [([palette.COVERED], 0.18), ([palette.GAP], 0.35)]),
    "sites": (("proposed", "proposed_areas"), [([palette.PROPOSED], 1.0), ([palette.PROPOSED], 0.18)]),
}


def analysis_pixels(img: np.ndarray, fig, kind: str) -> int:
    """Pixels of the map frame in the colours of the kind's analysis layer.

    The overview's incidents are dots of 2 to 3 pixels at 50 dpi, none of them a flat fill: counted as the
    coloured pixels (far from grey), which the boundaries, roads and labels never are; the stations' coloured
    symbols are in the control map as well.
    """
    frame = crop(img, fig.koopsuz_regions["map"])
    if kind == "overview":
        return int((np.ptp(frame.astype(int), axis=-1) > 60).sum())
    return sum(colour_pixels(frame, colors, alpha) for colors, alpha in ANALYSIS[kind][1])


# --------------------------------------------------------------------------- every kind, every format


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["overview", "hotspots", "rates", "coverage", "sites"])
def test_every_kind_exports_offline(kind: str, fmt: str, contents: dict[str, MapContent], tmp_path: Path) -> None:
    out = tmp_path / f"{kind}.{fmt}"
    fig = map_figure(contents[kind], title=f"{kind.title()} map", subtitle="Synthetic demo data", date=DATE)
    assert fig.koopsuz_notes == []
    regions = fig.koopsuz_regions
    assert set(regions) >= {"map", "legend", "scalebar", "north", "title", "footer"}
    got = export_map(contents[kind], out, format=fmt, title=f"{kind.title()} map", subtitle="Synthetic demo data",
                     date=DATE)
    assert got == out and out.stat().st_size > 1000
    assert [p.name for p in tmp_path.iterdir()] == [out.name], "the temporary file was left behind"
    if fmt == "svg":
        root = ET.parse(out).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("width") == "841.889764pt" or root.get("width").startswith("841.88")
        assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 50
        return
    img = rendered(out, tmp_path)
    for name in ("legend", "scalebar", "north", "title", "map", "footer"):
        part = crop(img, regions[name])
        assert part.size, name
        assert ink(part) >= 10, f"the {name} region of the {fmt} is blank"
    # The furniture regions hold black (the scale bar's segments, the arrow's dark half).
    for name in ("scalebar", "north"):
        assert (crop(img, regions[name]).max(axis=-1) < 60).sum() >= 4, name
    # The map frame shows the analysis in its colours, where the same map without the analysis layer (the
    # boundaries, roads and stations alone, which give the frame its "ink") shows next to none of them.
    fields, _colors = ANALYSIS[kind]
    bare_content = dataclasses.replace(contents[kind], **dict.fromkeys(fields))
    bare = tmp_path / "bare" / f"{kind}.{fmt}"
    bare.parent.mkdir()
    export_map(bare_content, bare, format=fmt, title=f"{kind.title()} map", subtitle="Synthetic demo data", date=DATE)
    bare_fig = map_figure(bare_content, title=f"{kind.title()} map", subtitle="Synthetic demo data", date=DATE)
    drawn = analysis_pixels(img, fig, kind)
    control = analysis_pixels(rendered(bare, bare.parent), bare_fig, kind)
    # 100 dpi PNG, 50 dpi PDF (a quarter of the pixels); the overview's incidents are dots, the others fills
    least = (1000 if fmt == "png" else 50) if kind == "overview" else (400 if fmt == "png" else 100)
    assert drawn - control >= least and drawn >= 1.5 * control, (
        f"{kind} {fmt}: {drawn} analysis pixels, {control} without it")


def test_legend_lists_every_layer(contents: dict[str, MapContent]) -> None:
    want = {
        "overview": ["Public order (", "Burglary (", "Police headquarters", "Police post", "Video camera", "Road",
                     "Settlement boundary"],
        "hotspots": ["Density (kernel density)", "incidents per km²", "Hot spots (Gi*)", "Road", "Settlement boundary",
                     # one entry for each confidence class the analysis found, hot and cold (none for the others)
                     *(palette.BIN_LABELS[int(b)] for b in sorted(set(contents["hotspots"].gi_cells["gi_bin"]) - {0},
                                                         reverse=True))],
        "rates": ["Incidents per 100,000 a year", "Settlement boundary", "Road"],
        "coverage": ["Covered today", "Coverage gap, numbered by rank", "Police station"],
        "sites": ["Proposed site, numbered by rank", "Reach of proposed sites", "Covered today"],
    }
    assert {3, -1} <= set(contents["hotspots"].gi_cells["gi_bin"])  # hot and cold classes both drawn
    for kind, labels in want.items():
        fig = map_figure(contents[kind], title=kind, date=DATE)
        legend_texts = [t.get_text().replace("\n", " ") for t in fig.axes[1].texts]  # long entries wrap
        for label in labels:
            assert any(t.startswith(label) for t in legend_texts), (kind, label, legend_texts)
    rates_fig = map_figure(contents["rates"], title="rates", date=DATE)
    classes = [t for t in (t.get_text() for t in rates_fig.axes[1].texts) if "–" in t]
    assert 2 <= len(classes) <= 5 and all(c.startswith("> ") for c in classes[1:]), classes


def test_data_area_shows_the_layers(demo: dict[str, gpd.GeoDataFrame], contents: dict[str, MapContent],
                                    tmp_path: Path) -> None:
    base = MapContent(boundaries=demo["boundaries"])
    for fmt in ("png", "pdf"):
        paths = {}
        for name, content in (("base", base), ("full", contents["overview"])):
            paths[name] = export_map(content, tmp_path / f"{name}.{fmt}", format=fmt, title="Same title", date=DATE)
        a, b = (rendered(paths[n], tmp_path) for n in ("base", "full"))
        regions = map_figure(base, title="Same title", date=DATE).koopsuz_regions
        ma, mb = crop(a, regions["map"]).astype(int), crop(b, regions["map"]).astype(int)
        changed = (np.abs(ma - mb).max(axis=-1) > 40).mean()
        assert changed > 0.002, f"{fmt}: incidents, roads and stations changed {changed:.2%} of the map"


def test_map_has_equal_scale_and_holds_the_boundaries(contents: dict[str, MapContent]) -> None:
    fig = map_figure(contents["rates"], title="t", date=DATE)
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    w_in, h_in = ax.get_position().width * fig.get_figwidth(), ax.get_position().height * fig.get_figheight()
    assert (x1 - x0) / w_in == pytest.approx((y1 - y0) / h_in, rel=1e-9)
    bx0, by0, bx1, by1 = contents["rates"].rates.to_crs(32643).total_bounds
    assert x0 < bx0 and bx1 < x1 and y0 < by0 and by1 < y1
    footer = " ".join(texts(fig)).replace("\n", " ")
    assert "Map projection: UTM zone 43N (EPSG:32643) · Made on May 17, 2024" in footer


def test_extent_in_degrees(contents: dict[str, MapContent]) -> None:
    window = (74.55, 42.80, 74.65, 42.88)
    fig = map_figure(contents["overview"], title="t", date=DATE, extent=window)
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    wx0, wy0, wx1, wy1 = pyproj.Transformer.from_crs(WGS84, 32643, always_xy=True).transform_bounds(*window)
    assert x0 <= wx0 + 1 and wx1 - 1 <= x1 and y0 <= wy0 + 1 and wy1 - 1 <= y1
    assert min(x1 - x0 - (wx1 - wx0), y1 - y0 - (wy1 - wy0)) < 1, "one side is the window's exactly"
    with pytest.raises(ValueError, match="west < east"):
        map_figure(contents["overview"], title="t", extent=(75, 42, 74, 43))


# --------------------------------------------------------------------------- page sizes


@pytest.mark.parametrize(("paper", "dpi", "size"), [
    ("a4-landscape", 300, (3508, 2480)),  # 297 mm at 300 dpi is 3507.87 px: rounded, not truncated
    ("a4-portrait", 150, (1240, 1754)),
    ("a3-landscape", 150, (2480, 1754)),
    ("a3-portrait", 300, (3508, 4961)),
])
def test_png_is_the_paper_size(paper: str, dpi: int, size: tuple[int, int], demo: dict[str, gpd.GeoDataFrame],
                               tmp_path: Path) -> None:
    w_mm, h_mm = (v * 25.4 for v in PAPERS[paper])
    assert size == (round(w_mm / 25.4 * dpi), round(h_mm / 25.4 * dpi))
    out = export_map(MapContent(boundaries=demo["boundaries"]), tmp_path / "p.png", paper=paper, dpi=dpi,
                     title="Paper", date=DATE)
    with Image.open(out) as im:
        assert im.size == size
        assert [round(v) for v in im.info["dpi"]] == [dpi, dpi]  # pHYs holds whole pixels per metre


def test_pdf_and_svg_are_the_paper_size(demo: dict[str, gpd.GeoDataFrame]) -> None:
    content = MapContent(boundaries=demo["boundaries"])
    pdf = file_bytes(content, "pdf", paper="a4-portrait")
    box = [float(v) for v in re.search(rb"/MediaBox \[\s*([\d.\s]+)\]", pdf).group(1).split()]
    assert box[2:] == pytest.approx([210 / 25.4 * 72, 297 / 25.4 * 72], abs=0.01)
    svg = ET.fromstring(file_bytes(content, "svg", paper="a3-landscape"))
    assert float(svg.get("width").removesuffix("pt")) == pytest.approx(420 / 25.4 * 72, abs=0.01)
    assert float(svg.get("height").removesuffix("pt")) == pytest.approx(297 / 25.4 * 72, abs=0.01)


def test_portrait_puts_the_legend_under_the_map(contents: dict[str, MapContent]) -> None:
    portrait = map_figure(contents["overview"], title="t", paper="a4-portrait", date=DATE).koopsuz_regions
    assert portrait["legend"][3] <= portrait["map"][1]
    landscape = map_figure(contents["overview"], title="t", paper="a4-landscape", date=DATE).koopsuz_regions
    assert landscape["legend"][0] >= landscape["map"][2]
    assert landscape["map"][2] - landscape["map"][0] == pytest.approx(0.76 - 10 / 297, abs=1e-6)
    for regions in (portrait, landscape):
        for name in ("scalebar", "north"):
            r, m = regions[name], regions["map"]
            assert m[0] < r[0] < r[2] < m[2] and m[1] < r[1] < r[3] < m[3], f"{name} is outside the map frame"


# --------------------------------------------------------------------------- furniture


def test_north_arrow_points_to_true_north(demo: dict[str, gpd.GeoDataFrame]) -> None:
    # Near the east edge of UTM 43N (central meridian 75°E) grid north is ~1.9° off true north.
    b = demo["boundaries"]
    fig = map_figure(MapContent(boundaries=b[b["area"] == "Jeti-Oguz"]), title="t", date=DATE,
                     extent=(77.6, 41.9, 78.0, 42.3))
    assert "zone 43N" in " ".join(texts(fig))
    ax = fig.axes[0]
    halves = [p for p in ax.patches if isinstance(p, MplPolygon)]
    assert len(halves) == 2
    tip, _, notch = halves[0].get_xy()[:3]
    drawn = math.degrees(math.atan2(tip[0] - notch[0], tip[1] - notch[1]))
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    lon, lat = pyproj.Transformer.from_crs(32643, WGS84, always_xy=True).transform((x0 + x1) / 2, (y0 + y1) / 2)
    to_utm = pyproj.Transformer.from_crs(WGS84, 32643, always_xy=True)
    (ax_, ay), (bx, by) = to_utm.transform(lon, lat), to_utm.transform(lon, lat + 0.001)
    true_north = math.degrees(math.atan2(bx - ax_, by - ay))
    assert true_north < -1.5, "the test needs a map far from the central meridian"
    assert drawn == pytest.approx(true_north, abs=0.01)


def test_scale_bar_is_a_round_fifth_of_the_frame(contents: dict[str, MapContent]) -> None:
    assert [nice_length(v) for v in (0.9, 1, 1.9, 2.5, 7, 12_345, 49_999)] == [
        0.5, 1, 1, 2, 5, 10_000, 20_000]
    fig = map_figure(contents["rates"], title="t", date=DATE)
    ax = fig.axes[0]
    segments = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_zorder() == 21]
    length = sum(p.get_width() for p in segments)
    frame = np.diff(ax.get_xlim())[0]
    assert 0.08 < length / frame <= 0.2
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    lon, lat = pyproj.Transformer.from_crs(32643, WGS84, always_xy=True).transform((x0 + x1) / 2, (y0 + y1) / 2)
    k = pyproj.Proj(32643).get_factors(lon, lat).meridional_scale
    ground = length / k
    assert ground == pytest.approx(nice_length(ground), rel=1e-9)
    label = f"{fmt_num(ground / 1000)} km" if ground >= 1000 else f"{fmt_num(ground)} m"
    assert label in texts(fig)


# --------------------------------------------------------------------------- same bytes


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_input_same_bytes(fmt: str, contents: dict[str, MapContent]) -> None:
    one = file_bytes(contents["hotspots"], fmt, title="Горячие точки / Hot spots")
    two = file_bytes(contents["hotspots"], fmt, title="Горячие точки / Hot spots")
    assert one == two
    if fmt == "png":
        info = Image.open(io.BytesIO(one)).info
        assert "Software" not in info and info.get("Title") == "Горячие точки / Hot spots"
    elif fmt == "pdf":
        for key in (b"/CreationDate", b"/ModDate", b"/Producer"):
            assert key not in one
        assert b"/Creator (Koopsuz)" in one
    else:
        assert b"<dc:date>" not in one and b"Matplotlib" not in one


def test_pdf_pack_same_bytes_and_rendered(contents: dict[str, MapContent], tmp_path: Path) -> None:
    frame = pd.DataFrame({"district": ["Свердловский район", "Leninsky"], "incidents": [1234567, 89]})

    def pack(path: Path) -> bytes:
        with pdf_pages(path, title="Action plan") as pdf:
            for fig in (text_figure("Action plan", ["First paragraph.", "- a bullet"]),
                        map_figure(contents["coverage"], title="Coverage", date=DATE),
                        table_figure(frame, title="Districts")):
                pdf.savefig(fig)
        return path.read_bytes()

    one, two = pack(tmp_path / "a.pdf"), pack(tmp_path / "b.pdf")
    assert one == two and b"/CreationDate" not in one
    if not Path(PDFTOPPM).exists():
        pytest.fail(f"{PDFTOPPM} is missing: `make test` installs poppler-utils")
    subprocess.run([PDFTOPPM, "-r", "30", "-png", str(tmp_path / "a.pdf"), str(tmp_path / "page")], check=True,
                   capture_output=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3
    assert all(ink(np.asarray(Image.open(p).convert("RGB"))) > 100 for p in pages)


# --------------------------------------------------------------------------- Cyrillic


def test_cyrillic_names_render_without_missing_glyphs(tmp_path: Path) -> None:
    names = ["Свердловский район", "Жети-Өгүз", "Ысык-Көл Ңң Үү"]
    units = gpd.GeoDataFrame({"name": names, "population": [1, 2, 3]},
                             geometry=[shapely.box(74.50, 42.80, 74.60, 42.90), shapely.box(74.62, 42.80, 74.72, 42.90),
                                       shapely.box(74.50, 42.70, 74.72, 42.78)], crs=4326)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = map_figure(MapContent(boundaries=units), title="Жети-Өгүз району: Ң Ө Ү", subtitle="Карта", date=DATE)
        for fmt in FORMATS:
            save_figure(fig, tmp_path / f"c.{fmt}", format=fmt, dpi=100)
    missing = [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert missing == []
    placed = dict(fig.koopsuz_labels)
    assert set(placed) == set(names)
    img = rendered(tmp_path / "c.png", tmp_path)
    for name, box in placed.items():
        assert ink(crop(img, box)) > 20, f"the label {name!r} is blank"
    # The check can fail: a glyph DejaVu Sans lacks is reported.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = map_figure(MapContent(boundaries=units), title="漢字", date=DATE)
        save_figure(fig, io.BytesIO(), format="png", dpi=50)
    assert any("missing from" in str(w.message) for w in caught)


def test_overlapping_labels_are_left_out() -> None:
    big = shapely.box(74.50, 42.80, 74.70, 42.90)
    tiny = shapely.box(74.600, 42.850, 74.602, 42.852)  # where the big one's name goes
    units = gpd.GeoDataFrame({"name": ["Tiny village", "Big district"]}, geometry=[tiny, big], crs=4326)
    fig = map_figure(MapContent(boundaries=units), title="t", date=DATE)
    assert [n for n, _ in fig.koopsuz_labels] == ["Big district"]
    fig = map_figure(MapContent(boundaries=units, labels=False), title="t", date=DATE)
    assert fig.koopsuz_labels == []


# --------------------------------------------------------------------------- points and density


def test_large_point_clouds_are_rasterized_in_vector_files(demo: dict[str, gpd.GeoDataFrame],
                                                           bishkek: dict[str, gpd.GeoDataFrame]) -> None:
    inc = demo["incidents"]
    assert len(inc) > RASTERIZE_POINTS
    for points, raster in ((inc, True), (inc.iloc[:300], False)):
        fig = map_figure(MapContent(boundaries=bishkek["units"], incidents=points), title="t", date=DATE)
        clouds = [a for a in fig.axes[0].lines if a.get_zorder() == 7]
        assert clouds and all(a.get_rasterized() == raster for a in clouds)
        pdf = io.BytesIO()
        save_figure(fig, pdf, format="pdf", dpi=150)
        assert (b"/Subtype /Image" in pdf.getvalue()) == raster


def test_density_in_another_utm_zone_is_warped(bishkek: dict[str, gpd.GeoDataFrame]) -> None:
    inc, units = bishkek["incidents"], bishkek["units"]
    grid = kernel_density(inc, crs=32644)  # the neighbouring zone; the map is drawn in 43N
    assert grid.crs.to_epsg() == 32644
    plain, fig = png(MapContent(boundaries=units))
    dense, fig2 = png(MapContent(boundaries=units, density=grid))
    assert "EPSG:32643" in " ".join(texts(fig2))
    box = fig.koopsuz_regions["map"]
    diff = np.abs(crop(plain, box).astype(int) - crop(dense, box).astype(int)).max(axis=-1) > 30
    assert diff.mean() > 0.05
    # Warped into 43N, the surface covers the ground the same surface computed in 43N covers.
    dense43, _ = png(MapContent(boundaries=units, density=kernel_density(inc, crs=32643)))
    diff43 = np.abs(crop(plain, box).astype(int) - crop(dense43, box).astype(int)).max(axis=-1) > 30
    assert (diff & diff43).sum() / (diff | diff43).sum() > 0.9


# --------------------------------------------------------------------------- tiles


def tile_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_RGB).save(buf, format="PNG")
    return buf.getvalue()


@contextlib.contextmanager
def tile_server() -> Iterator[tuple[str, list[tuple[str, str]], http.server.HTTPServer]]:
    """Good tiles under /ok/, 404 under /missing/, bytes that are no image under /junk/."""
    tile = tile_png()
    served: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append((self.path, self.headers.get("User-Agent", "")))
            if self.path.startswith("/missing/"):
                self.send_error(404)
                return
            body = tile if self.path.startswith("/ok/") else b"<html>not a tile</html>"
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", served, srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tiles_fetched_cached_and_drawn(bishkek: dict[str, gpd.GeoDataFrame], tmp_path: Path) -> None:
    content = MapContent(boundaries=bishkek["units"], roads=bishkek["roads"])
    cache = tmp_path / "tiles"
    vector, _ = png(content)
    with tile_server() as (root, served, _srv):
        template = f"{root}/ok/{{z}}/{{x}}/{{y}}.png"
        tiled, fig = png(content, tiles=template, tile_cache=cache)
        assert fig.koopsuz_notes == []
        fetched = len(served)
    assert 0 < fetched <= MAX_TILES
    assert all(agent == "Koopsuz" for _, agent in served)
    cached = sorted(cache.rglob("*.png"))
    assert len(cached) == fetched
    assert all(re.fullmatch(r"\d+/\d+/\d+\.png", p.relative_to(p.parents[2]).as_posix()) for p in cached)
    assert "Tiles: 127.0.0.1" in " ".join(texts(fig))
    box = fig.koopsuz_regions["map"]
    m = crop(tiled, box).reshape(-1, 3)
    assert (np.abs(m.astype(int) - TILE_RGB).max(axis=1) <= 3).mean() > 0.3, "the tile colour fills the map"
    assert not np.array_equal(crop(vector, box), crop(tiled, box))
    # The server is gone: the cache serves the same map.
    again, fig2 = png(content, tiles=template, tile_cache=cache)
    assert fig2.koopsuz_notes == []
    assert np.array_equal(again, tiled)


@pytest.mark.parametrize("where", ["closed port", "missing", "junk"])
def test_unreachable_tiles_fall_back_to_the_vector_base(where: str, bishkek: dict[str, gpd.GeoDataFrame],
                                                        tmp_path: Path) -> None:
    content = MapContent(boundaries=bishkek["units"], roads=bishkek["roads"])
    vector = file_bytes(content, "png")
    with tile_server() as (root, _served, _srv):
        base = f"http://127.0.0.1:{closed_port()}/ok" if where == "closed port" else f"{root}/{where}"
        fig = map_figure(content, title="Test map", date=DATE, tiles=f"{base}/{{z}}/{{x}}/{{y}}.png",
                         tile_cache=tmp_path)
    assert len(fig.koopsuz_notes) == 1 and fig.koopsuz_notes[0].startswith("tiles unavailable (")
    assert not any("Tiles:" in t for t in texts(fig))
    buf = io.BytesIO()
    save_figure(fig, buf, format="png", dpi=100)
    assert buf.getvalue() == vector, "the fallback is the vector map exactly"
    assert list(tmp_path.rglob("*.png")) == [], "a failed tile was cached"


def test_export_map_logs_the_fallback(bishkek: dict[str, gpd.GeoDataFrame], tmp_path: Path,
                                      caplog: pytest.LogCaptureFixture) -> None:
    out = export_map(MapContent(boundaries=bishkek["units"]), tmp_path / "m.png", title="t", date=DATE,
                     tiles=f"http://127.0.0.1:{closed_port()}/{{z}}/{{x}}/{{y}}.png", tile_cache=tmp_path / "c")
    assert out.exists()
    assert any("tiles unavailable" in r.getMessage() for r in caplog.records)


# --------------------------------------------------------------------------- errors


def test_errors_name_the_allowed_values(demo: dict[str, gpd.GeoDataFrame], tmp_path: Path) -> None:
    content = MapContent(boundaries=demo["boundaries"])
    with pytest.raises(ValueError, match="unknown format 'jpg'; choose one of png, pdf, svg"):
        export_map(content, tmp_path / "m.jpg", format="jpg", title="t")
    fig = map_figure(content, title="t")
    with pytest.raises(ValueError, match="choose one of png, pdf, svg"):
        save_figure(fig, tmp_path / "m.tif", format="tif")
    with pytest.raises(ValueError, match="dpi must be a positive number"):
        save_figure(fig, tmp_path / "m.png", format="png", dpi=0)
    with pytest.raises(ValueError, match="unknown paper 'letter'; choose one of a4-landscape, a4-portrait, "
                                         "a3-landscape, a3-portrait"):
        export_map(content, tmp_path / "m.png", paper="letter", title="t")
    with pytest.raises(ValueError, match="unknown paper"):
        table_figure(pd.DataFrame({"a": [1]}), title="t", paper="a5")
    with pytest.raises(ValueError, match="nothing to draw"):
        map_figure(MapContent(), title="t")
    with pytest.raises(ValueError, match="nothing to draw: boundaries, incidents hold no located feature"):
        map_figure(MapContent(boundaries=demo["boundaries"].iloc[:0], incidents=demo["incidents"].iloc[:0]),
                   title="t")
    with pytest.raises(ValueError, match="tiles must be 'osm' or an http"):
        map_figure(content, title="t", tiles="file:///etc/passwd")
    with pytest.raises(ValueError, match="'value' column"):
        map_figure(MapContent(rates=demo["boundaries"]), title="t")
    assert list(tmp_path.iterdir()) == [], "a failed export left a file"


def test_an_empty_layer_is_listed_as_none(demo: dict[str, gpd.GeoDataFrame]) -> None:
    fig = map_figure(MapContent(boundaries=demo["boundaries"], gaps=demo["boundaries"].iloc[:0]), title="t",
                     date=DATE)
    assert "Coverage gap (none found)" in texts(fig)


# --------------------------------------------------------------------------- table and text pages


def test_table_page(tmp_path: Path) -> None:
    n = 60
    frame = gpd.GeoDataFrame({
        "settlement": [f"Свердловский район, микрорайон номер {i} с очень длинным названием " * 3 for i in range(n)],
        "incidents": np.arange(n) * 123_457,
        "rate": np.linspace(0.5, 1341.25, n),
        "opened": pd.to_datetime(["2017-09-01"] * n),
        "covered": [True, False] * (n // 2),
    }, geometry=[shapely.Point(74.6, 42.8)] * n, crs=4326)
    fig = table_figure(frame, title="Settlements", note="Source: demo", max_rows=40)
    all_text = texts(fig)
    # The long names wrap (never cut, never below 7 pt), so fewer than 40 rows fill the page; the note says how many.
    firsts = [t for t in all_text if t.startswith("Свердловский")]
    shown = len(firsts)
    assert 10 <= shown < 40
    assert f"first {shown} of 60 rows" in " ".join(all_text) and "Source: demo" in " ".join(all_text)
    assert not any(t.endswith("…") for t in all_text if "названием" in t), "a long name was cut, not wrapped"
    assert sum(t.count("названием") for t in all_text) == 3 * shown, "each name's three parts are all printed"
    assert f"{(shown - 1) * 123_457:,}" in all_text  # the last row shown, thousands-separated
    assert "1,341.2" not in all_text and "Sep 1, 2017" in all_text and "yes" in all_text
    assert not any("POINT" in t for t in all_text)
    numbers = [t for t in fig.findobj(Text) if re.fullmatch(r"[\d,]+", t.get_text())]
    assert {t.get_ha() for t in numbers} == {"right"}
    assert len({round(t.get_position()[0], 6) for t in numbers}) == 1, "one column, one right edge"
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    for t in fig.findobj(Text):
        if t.get_text():
            box = t.get_window_extent(renderer)
            assert page.x0 <= box.x0 and box.x1 <= page.x1, f"{t.get_text()[:30]!r} runs off the page"
    out = tmp_path / "t.png"
    save_figure(fig, out, format="png", dpi=100)
    img = np.asarray(Image.open(out).convert("RGB"))
    for name in ("title", "table", "note"):
        assert ink(crop(img, fig.koopsuz_regions[name])) > 50, name
    with pytest.raises(ValueError, match="max_rows"):
        table_figure(frame, title="t", max_rows=0)


def test_text_page_wraps_and_cuts() -> None:
    words = "Жети-Өгүз rayon police and the crime-prevention centre in Kyzyl-Suu meet every month. "
    fig = text_figure("Methods", ["## Data", words * 6, "- " + words * 2, "Last."])
    assert fig.koopsuz_notes == []
    renderer = fig.canvas.get_renderer()
    lines = [t for t in fig.findobj(Text) if t.get_text()]
    assert len(lines) > 10
    right = max(t.get_window_extent(renderer).x1 for t in lines)
    assert right <= fig.bbox.x1 - 15 / 25.4 * fig.dpi + 1
    long = text_figure("Too long", [words * 200])
    assert long.koopsuz_notes == ["the text did not fit on the page and was cut"]
    assert "…" in texts(long)


def test_threads_exporting_at_once_get_the_same_bytes(contents: dict[str, MapContent]) -> None:
    """rcParams are process-wide: concurrent exports (two app sessions) must not change each other's output."""
    from concurrent.futures import ThreadPoolExecutor

    alone = {k: file_bytes(contents[k], "png") for k in ("overview", "coverage")}
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda k: (k, file_bytes(contents[k], "png")), ["overview", "coverage"] * 3))
    assert all(data == alone[k] for k, data in runs)


def test_a_png_drawn_by_a_child_is_the_png_drawn_here(contents: dict[str, MapContent]) -> None:
    """The pack's zip images are drawn by forked children (geo.printmap.background): the same bytes."""
    from geo.printmap.background import start_png

    fig = map_figure(contents["hotspots"], title="Горячие точки", date=DATE)
    pending = start_png(fig, dpi=90)
    here = io.BytesIO()
    save_figure(fig, here, format="png", dpi=90)
    fig.text(0.5, 0.5, "after the fork", fontsize=40)  # what the parent adds later never reaches the child
    assert pending.pid is not None, "Linux: the image is drawn by a child"
    assert pending.result() == here.getvalue()


class _Stuck:
    """Not a figure: its savefig never returns (a child that hangs)."""

    koopsuz_title = "stuck"

    def get_size_inches(self) -> np.ndarray:
        return np.array([2.0, 2.0])

    def set_size_inches(self, *_a: object, **_k: object) -> None:
        pass

    def savefig(self, *_a: object, **_k: object) -> None:
        import time

        time.sleep(60)


def test_a_child_that_fails_or_hangs_gives_none_in_bounded_time() -> None:
    import os
    import time

    from geo.printmap.background import start_png

    broken = start_png(object(), dpi=90)  # not a figure: the child fails
    assert broken.result() is None and not Path(broken.path).exists()
    stuck = start_png(_Stuck(), dpi=90)
    pid = stuck.pid
    t0 = time.monotonic()
    assert stuck.result(timeout=1.0) is None
    assert time.monotonic() - t0 < 5
    with pytest.raises(ChildProcessError):  # killed and reaped: no zombie left
        os.waitpid(pid, os.WNOHANG)
    assert not Path(stuck.path).exists()
