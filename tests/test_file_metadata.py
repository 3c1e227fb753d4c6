"""User text in file metadata (issue 15): a title written into an SVG or a PDF stays text, never markup or code.

A map's title is user text (an area's name, a pack title typed on the Export page). matplotlib writes it into
the SVG's ``<dc:title>`` and the PDF's ``/Title``; these tests give it the markup and PDF syntax an attacker
would try, and read the files back with an XML parser and poppler.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import geopandas as gpd
from shapely.geometry import Point, box

from geo.content import MapContent
from geo.printmap import export_map
from pack_pages import poppler

SVG_TITLE = 'Бишкек</dc:title><script>alert(1)</script><dc:title>&amp; "x" <!-- y -->'
PDF_TITLE = "Bishkek) /JavaScript (app.alert(1)) /OpenAction << /S /JavaScript /JS (app.alert(2)) >> (\\"


def _content() -> MapContent:
    units = gpd.GeoDataFrame({"name": ["A"]}, geometry=[box(74.55, 42.80, 74.65, 42.90)], crs="EPSG:4326")
    inc = gpd.GeoDataFrame({"category": ["burglary"]}, geometry=[Point(74.6, 42.85)], crs="EPSG:4326")
    return MapContent(boundaries=units, incidents=inc)


def test_svg_title_is_text_not_markup(tmp_path):
    out = tmp_path / "map.svg"
    export_map(_content(), out, format="svg", title=SVG_TITLE, dpi=72)
    root = ET.parse(out).getroot()  # well-formed: nothing the title holds closed an element
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert "script" not in tags
    titles = [el.text for el in root.iter() if el.tag.endswith("}title") and el.text]
    assert SVG_TITLE in titles  # the whole title, as text, where a reader looks for it
    assert "<script>" not in out.read_text(encoding="utf-8")


def test_pdf_title_is_one_string_not_pdf_syntax(tmp_path):
    out = tmp_path / "map.pdf"
    export_map(_content(), out, format="pdf", title=PDF_TITLE, dpi=72)
    info = subprocess.run([poppler("pdfinfo"), str(out)], capture_output=True, text=True, check=True).stdout
    title = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Title:"))
    assert title == PDF_TITLE  # read back whole: the parentheses and backslash were escaped
    data = out.read_bytes()
    import re

    catalog = re.search(rb"<< /Type /Catalog[^>]*>>", data).group(0)
    assert not any(key in catalog for key in (b"/OpenAction", b"/AA", b"/Names"))  # nothing runs on opening
    # the only JavaScript words are the ones inside the escaped title string
    assert data.count(b"/JavaScript") == PDF_TITLE.count("/JavaScript")
