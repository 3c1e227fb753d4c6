"""Print maps of a real city: labels thinned so they never cover the map, and the footer naming the real source.

Issue 13, item 9: a print map of 579 census block groups (seven names, "1" to "7") printed hundreds of
overlapping labels; after a city's incidents were imported into the demo workspace its footer still read
"Source: Koopsuz demo: Bishkek and Jeti-Oguz (synthetic)".
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from conftest import ROOT
from geo.content import MapContent
from geo.crs import local_crs
from geo.demo import TITLE, write_demo
from geo.i18n import Tr
from geo.io.importer import LOG_TABLE, import_file
from geo.io.provenance import layer_record, source_in, source_text
from geo.io.store import Workspace
from geo.printmap import map_figure
from geo.printmap.furniture import LABEL_AREA_MM2

DATE = dt.date(2026, 3, 1)


def block_groups(n: int = 579, *, size: float = 0.004) -> gpd.GeoDataFrame:
    """``n`` square units in a grid over Chicago, named "1" to "7" within each "tract" as census block groups are."""
    cols = 29
    geoms = [shapely.box(-87.75 + (i % cols) * size, 41.80 + (i // cols) * size,
                         -87.75 + (i % cols + 1) * size, 41.80 + (i // cols + 1) * size) for i in range(n)]
    names = [str(i % 7 + 1) for i in range(n)]
    return gpd.GeoDataFrame({"name": names, "population": [500] * n}, geometry=geoms, crs=4326)


def placed_boxes(fig) -> list[tuple[str, shapely.Polygon]]:
    """Each placed label's box as the renderer measured it, in the map's metres."""
    ax = fig.axes[0]
    to_data = (ax.transData.inverted())
    out = []
    for name, (x0, y0, x1, y1) in fig.koopsuz_labels:
        (a, b), (c, d) = to_data.transform(fig.transFigure.transform([(x0, y0), (x1, y1)]))
        out.append((name, shapely.box(a, b, c, d)))
    return out


def test_579_small_units_print_without_overlapping_labels() -> None:
    units = block_groups()
    fig = map_figure(MapContent(boundaries=units), title="Block groups", date=DATE)
    labels = fig.koopsuz_labels
    assert labels, "no label placed at all"
    # never two label boxes (text extents measured by the renderer) that touch
    for (n1, b1), (n2, b2) in itertools.combinations(labels, 2):
        overlap = min(b1[2], b2[2]) > max(b1[0], b2[0]) and min(b1[3], b2[3]) > max(b1[1], b2[1])
        assert not overlap, (n1, b1, n2, b2)
    # at most one per LABEL_AREA_MM2 of the frame: the map is never carpeted with names
    mx0, my0, mx1, my1 = fig.koopsuz_regions["map"]
    w_mm, h_mm = (mx1 - mx0) * fig.get_figwidth() * 25.4, (my1 - my0) * fig.get_figheight() * 25.4
    assert len(labels) <= w_mm * h_mm / LABEL_AREA_MM2 < len(units)
    # each label lies inside a unit of its name (the halo's half millimetre aside)
    metric = units.to_crs(local_crs(units))
    slack = 0.5 / 25.4 * fig.dpi  # px
    ax = fig.axes[0]
    metres_per_px = abs(ax.transData.inverted().transform((1, 0))[0] - ax.transData.inverted().transform((0, 0))[0])
    for name, box in placed_boxes(fig):
        same = metric[metric["name"] == name].geometry
        assert any(g.buffer(slack * metres_per_px + 1e-6).contains(box) for g in same), name


def test_labels_only_where_they_fit() -> None:
    # 200 units 40 m wide beside a district 20 km wide: on paper each is under a millimetre, no "1" fits inside
    district = gpd.GeoDataFrame({"name": ["District"], "population": [1]},
                                geometry=[shapely.box(-87.99, 41.70, -87.76, 41.88)], crs=4326)
    tiny = pd.concat([block_groups(200, size=0.0005), district], ignore_index=True)
    fig = map_figure(MapContent(boundaries=tiny), title="Tiny units", date=DATE)
    assert [n for n, _box in fig.koopsuz_labels] == ["District"]
    # the same units twenty times wider hold their names
    wide = pd.concat([block_groups(200, size=0.01), district], ignore_index=True)
    fig = map_figure(MapContent(boundaries=wide), title="Larger units", date=DATE)
    assert len(fig.koopsuz_labels) > 20


def test_a_cap_smaller_than_the_units_places_the_largest() -> None:
    units = block_groups(60, size=0.005)
    units.loc[17, "geometry"] = shapely.box(-87.80, 41.70, -87.76, 41.74)  # one unit far larger than the others
    units.loc[17, "name"] = "Large"
    fig = map_figure(MapContent(boundaries=units), title="t", date=DATE)
    assert fig.koopsuz_labels[0][0] == "Large"


# --------------------------------------------------------------------------- the source line


def test_source_text_names_each_imported_layer() -> None:
    rec = layer_record(None, file="chicago_2014.csv", imported_at="2026-11-30T15:00:00+00:00", rows=4000,
                       mode="replace")
    meta = {"title": TITLE, "synthetic": "mixed", "source.incidents": rec}
    text = source_text(meta)
    assert text == ("Incidents: chicago_2014.csv, imported 2026-11-30; "
                    "Other layers: Koopsuz demo: Bishkek and Jeti-Oguz (synthetic)")
    # only the layers that hold rows are named; one left is named itself
    assert source_text(meta, layers=["incidents", "boundaries"]) == (
        "Incidents: chicago_2014.csv, imported 2026-11-30; "
        "Settlement boundaries: Koopsuz demo: Bishkek and Jeti-Oguz (synthetic)")
    # an append adds its file and rows; a replace starts again
    more = layer_record(rec, file="chicago_2015.csv", imported_at="2026-12-01T09:00:00+00:00", rows=10, mode="append")
    assert source_text({"source.incidents": more}) == "Incidents: chicago_2014.csv, chicago_2015.csv, imported 2026-12-01"
    assert '"rows": 4010' in more
    fresh = layer_record(more, file="x.csv", imported_at="2027-01-01T00:00:00+00:00", rows=3, mode="replace")
    assert source_text({"source.incidents": fresh}) == "Incidents: x.csv, imported 2027-01-01"
    # the demo as generated: its title alone, in the language
    assert source_text({"title": TITLE}) == TITLE
    assert source_text({"title": TITLE}, lang="ru") == Tr("ru")(TITLE) != TITLE


def test_source_text_from_an_older_import_log() -> None:
    log = pd.DataFrame({"imported_at": ["2026-10-01T10:00:00+00:00", "2026-10-02T10:00:00+00:00"],
                        "layer": ["boundaries", "boundaries"], "source": ["tracts.geojson", "more.geojson"],
                        "mode": ["replace", "append"], "accepted": [500, 79]})
    assert source_text({"title": "City of X"}, log, layers=["incidents", "boundaries"]) == (
        "Settlement boundaries: tracts.geojson, more.geojson, imported 2026-10-02; Incidents: City of X")


def test_source_line_is_translated_where_stored_in_english() -> None:
    """The pack stores the line in English and translates it where it prints it (Tr.message), part by part."""
    rec = layer_record(None, file="chicago_2014.csv", imported_at="2026-11-30T15:00:00+00:00", rows=4, mode="replace")
    meta = {"title": TITLE, "source.incidents": rec}
    english = source_text(meta)
    for lang in ("ru", "ky"):
        direct = source_text(meta, lang=lang)
        assert "chicago_2014.csv" in direct and "2026-11-30" in direct
        assert source_in(english, lang=lang) == direct
        assert "imported" not in direct and "Other layers" not in direct


NO_NET = {k: "http://127.0.0.1:9" for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    """A copy of the demo workspace whose incidents are replaced by a city's own CSV."""
    folder = tmp_path_factory.mktemp("imported")
    ws_path = write_demo(folder, scale=0.2)
    csv = folder / "city_register_2017.csv"
    rows = ["id,date,type,lat,lon"] + [f"R-{i},2017-0{1 + i % 9}-1{i % 9},Theft,{42.84 + i * 0.0004:.5f},"
                                       f"{74.56 + (i % 13) * 0.003:.5f}" for i in range(120)]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_file(csv, "incidents", Workspace(ws_path))
    return ws_path


def test_import_records_the_layers_origin(imported: Path) -> None:
    ws = Workspace(imported)
    meta = ws.meta()
    assert meta["synthetic"] == "mixed"
    assert '"city_register_2017.csv"' in meta["source.incidents"] and '"rows": 120' in meta["source.incidents"]
    assert "source.boundaries" not in meta
    assert ws.read_table(LOG_TABLE)["source"].tolist() == ["city_register_2017.csv"]


def test_print_map_of_imported_incidents_names_their_file(imported: Path, tmp_path: Path) -> None:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: `make test` installs poppler-utils")
    out = tmp_path / "overview.pdf"
    env = {**os.environ, **NO_NET, "no_proxy": "", "NO_PROXY": ""}
    p = subprocess.run([sys.executable, "-m", "geo", "export", "--workspace", str(imported), "--area", "Bishkek",
                        "--map", "overview", "--format", "pdf", "--date", DATE.isoformat(), "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert re.search(r"Source: Incidents: city_register_2017\.csv, imported \d{4}-\d\d-\d\d;", text), text
    # the demo's title stays for the layers still the demo's, never for the incidents
    assert "Source: Koopsuz demo" not in text
    incidents_part = text.split("Source: ", 1)[1].split(";", 1)[0]
    assert "synthetic" not in incidents_part
