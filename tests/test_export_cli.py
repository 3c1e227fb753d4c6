"""`python -m geo export` and `python -m geo pack` with no internet, on the demo and on the real Chicago data."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, realdata
from pack_pages import check_map, check_pack
from geo.demo import write_demo
from geo.printmap import map_figure
from geo.report import ReportOptions, map_content, read_layers

DATE = "2026-03-01"
# Every request through urllib goes to a closed port: as an office without internet.
NO_NET = {k: "http://127.0.0.1:9" for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
ELEMENTS = ("title", "map", "legend", "scalebar", "north", "footer")


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **NO_NET, "no_proxy": "", "NO_PROXY": ""}
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True, env=env)


def ink(img: np.ndarray, box: tuple[float, float, float, float]) -> int:
    """Dark pixels of the image inside a figure-coordinate box."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = box
    part = img[int((1 - y1) * h):int(np.ceil((1 - y0) * h)), int(x0 * w):int(np.ceil(x1 * w))]
    return int((part[..., :3].min(axis=-1) < 200).sum())


def pages(pdf: Path) -> int:
    if not shutil.which("pdfinfo"):
        pytest.fail("pdfinfo is missing: `make test` installs poppler-utils")
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def check_elements(png: Path, workspace: Path, kind: str, area: str, *, labels: str = "name") -> object:
    """Every cartographic element of the exported PNG has ink; returns the same map drawn in-process."""
    view = map_content(kind, read_layers(workspace),
                       options=ReportOptions(area=area, date=dt.date.fromisoformat(DATE), labels=labels))
    fig = map_figure(view.content, title=view.title, subtitle=view.subtitle, date=dt.date.fromisoformat(DATE),
                     source=ReportOptions(area=area).resolve(read_layers(workspace)).source)
    img = np.asarray(Image.open(png).convert("RGB"))
    for name in ELEMENTS:
        assert ink(img, fig.koopsuz_regions[name]) >= 20, f"{png.name}: the {name} is blank"
    return fig


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return write_demo(tmp_path_factory.mktemp("demo"), scale=0.2)


@pytest.mark.parametrize("kind", ["overview", "hotspots", "coverage", "sites"])
def test_export_png_offline_has_every_element(demo, kind, tmp_path):
    out = tmp_path / f"{kind}.png"
    # tiles asked for but unreachable: the export falls back to the vector base and still succeeds
    p = run("export", "--workspace", str(demo), "--area", "Bishkek", "--map", kind, "--format", "png", "--dpi", "100",
            "--date", DATE, "--tiles", "osm", "--json", "--out", str(out))
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    assert summary["out"] == str(out) and Image.open(out).size == (1169, 827)
    assert "tiles unavailable" in p.stderr  # the fallback is said, not hidden
    fig = check_elements(out, demo, kind, "Bishkek")
    # the map frame shows the analysis in its own colour, in a quantity the boundaries alone cannot give (they
    # are grey), present where the analysis found something (pack_pages.check_map)
    img = np.asarray(Image.open(out).convert("RGB")).astype(np.int16)
    h, w = img.shape[:2]
    x0, y0, x1, y1 = fig.koopsuz_regions["map"]
    check_map(kind, summary["params"], img[round((1 - y1) * h):round((1 - y0) * h), round(x0 * w):round(x1 * w)])


@pytest.mark.parametrize("fmt", ["pdf", "svg", "html"])
def test_export_other_formats_offline(demo, fmt, tmp_path):
    out = tmp_path / f"hotspots.{fmt}"
    p = run("export", "--workspace", str(demo), "--area", "Jeti-Oguz", "--map", "hotspots", "--category",
            "livestock_theft", "--format", fmt, "--date", DATE, "--out", str(out))
    assert p.returncode == 0, p.stderr
    head = out.read_bytes()[:200]
    assert {"pdf": head.startswith(b"%PDF-"), "svg": b"<svg" in head or b"<?xml" in head,
            "html": b"<!DOCTYPE html>" in head or b"<html" in head}[fmt]
    if fmt == "pdf":
        assert pages(out) == 1
    if fmt == "html":
        text = out.read_text(encoding="utf-8")
        assert "<script src=" not in text and "L.map(" in text


def test_cyrillic_labels_visible_in_the_bishkek_png(demo, tmp_path):
    out = tmp_path / "bishkek_ru.png"
    p = run("export", "--workspace", str(demo), "--area", "Bishkek", "--map", "overview", "--labels", "name_ru",
            "--dpi", "150", "--date", DATE, "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "missing from" not in p.stderr and "Glyph" not in p.stderr
    fig = check_elements(out, demo, "overview", "Bishkek", labels="name_ru")
    placed = dict(fig.koopsuz_labels)
    assert {"Свердловский район", "Келечек"} <= set(placed)
    img = np.asarray(Image.open(out).convert("RGB"))
    for name, box in placed.items():
        assert re.search("[А-Яа-я]", name)
        assert ink(img, box) >= 30, f"label {name} is blank"


def test_pack_offline_on_the_demo(demo, tmp_path):
    out = tmp_path / "plan.pdf"
    p = run("pack", "--workspace", str(demo), "--area", "Jeti-Oguz", "--date", DATE, "--json", "--out", str(out))
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    # every page rendered, each map with its analysis in its colour; as many pages as the plan and the continued
    # tables make (pack_pages.check_pack), not "at least 8"
    assert pages(out) == summary["pages"]
    check_pack(out, summary["pages"], summary["page_titles"], summary["params"], tmp_path)
    assert Path(summary["zip"]).is_file()
    # a Jeti-Oguz plan maps its own priorities, not the residual "other"
    assert "other" not in summary["params"]["options"]["priorities"]
    bad = run("pack", "--workspace", str(tmp_path / "none.gpkg"), "--out", str(tmp_path / "x.pdf"))
    assert bad.returncode == 2 and "no such workspace" in bad.stderr and not (tmp_path / "x.pdf").exists()


def test_export_and_pack_offline_on_the_real_chicago_data(tmp_path):
    ws = tmp_path / "chicago.gpkg"
    for layer, name, extra in (("incidents", "crimes_2014_09.csv", []), ("stations", "police_stations.csv", []),
                               ("boundaries", "community_areas_pop2000_2010.geojson", ["--area", "Chicago"])):
        p = run("import", layer, str(realdata("chicago", name)), "--workspace", str(ws), *extra, "--json")
        assert p.returncode == 0, p.stderr
    out = tmp_path / "chicago_coverage.png"
    p = run("export", "--workspace", str(ws), "--area", "Chicago", "--map", "coverage", "--dpi", "100", "--date", DATE,
            "--out", str(out))
    assert p.returncode == 0, p.stderr
    check_elements(out, ws, "coverage", "Chicago")
    pdf = tmp_path / "chicago.pdf"
    p = run("pack", "--workspace", str(ws), "--area", "Chicago", "--no-zip", "--date", DATE, "--json", "--out", str(pdf))
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    assert pages(pdf) == summary["pages"] and summary["zip"] is None
    check_pack(pdf, summary["pages"], summary["page_titles"], summary["params"], tmp_path)


def test_density_hot_spot_map_reports_the_kernel_it_used(demo, tmp_path):
    from geo.stats.density import kernel_density
    from geo.select import IncidentFilter, filter_incidents

    out = tmp_path / "density.png"
    p = run("export", "--workspace", str(demo), "--area", "Bishkek", "--map", "hotspots", "--method", "density",
            "--start", "2017-01-01", "--end", "2017-12-31", "--dpi", "60", "--json", "--out", str(out))
    assert p.returncode == 0, p.stderr
    params = json.loads(p.stdout)["params"]
    assert params["method"] == "density" and params["kernel"] == "quartic"
    layers = read_layers(demo)
    inc = filter_incidents(layers["incidents"], IncidentFilter(area="Bishkek", start=dt.date(2017, 1, 1),
                                                               end=dt.date(2017, 12, 31)))
    grid = kernel_density(inc)
    assert params["bandwidth_m"] == pytest.approx(grid.bandwidth) and params["cell_m"] == pytest.approx(grid.cell)
