"""Print maps and table pages that read on paper, in Russian and Kyrgyz.

Every text artist of an A4 map page and of a table page is 7 pt or more; every
character of every text is in the font matplotlib draws it with (no
missing-glyph boxes: Ң, Ө, Ү, and the som sign written out); a long table runs
over several pages with its header repeated; and a Russian or Kyrgyz map page
has no English word outside the allow-list of ``tests/english.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from functools import cache

import geopandas as gpd
import matplotlib.figure
import numpy as np
import pandas as pd
import pytest
from matplotlib.font_manager import findfont
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from english import english_words
from geo.coverage import coverage_gaps, service_areas
from geo.demo import make_demo
from geo.i18n import Tr
from geo.printmap import (
    MIN_PT,
    RC,
    MapContent,
    covers,
    map_figure,
    number_page,
    printable,
    save_figure,
    table_figure,
    table_pages,
    text_figure,
)
from geo.stats.density import kernel_density
from geo.stats.hotspots import hotspots

DATE = dt.date(2024, 5, 17)
LANGS = ("ru", "ky")
TITLES = {"ru": ("Происшествия и отделы милиции", "Джети-Огузский район, 2017 г."),
          "ky": ("Окуялар жана милиция бөлүмдөрү", "Жети-Өгүз району, 2017-ж.")}


@pytest.fixture(scope="module")
def demo() -> dict[str, gpd.GeoDataFrame]:
    return make_demo(scale=0.1)


@pytest.fixture(scope="module")
def contents(demo: dict[str, gpd.GeoDataFrame]) -> dict[str, MapContent]:
    """Every kind of layer a map can hold, on the demo's city districts."""
    b = demo["boundaries"]
    units = b[b["area"] == "Bishkek"]
    area = units.union_all()
    inc = demo["incidents"][demo["incidents"].within(area)]
    st = demo["stations"][demo["stations"].within(area)]
    counts = gpd.sjoin(inc, units[["geometry"]], predicate="within")["index_right"].value_counts()
    rates = units.assign(value=counts.reindex(units.index, fill_value=0) / units["population"] * 1e5)
    gaps = coverage_gaps(inc, st, radius=1500, boundaries=units)
    sites = gpd.GeoDataFrame({"rank": range(1, min(3, len(gaps)) + 1)},
                             geometry=gaps.geometry.representative_point().iloc[:3].to_numpy(), crs=gaps.crs)
    return {
        "overview": MapContent(boundaries=b, roads=demo["roads"], stations=demo["stations"], cameras=demo["cameras"],
                               incidents=demo["incidents"]),
        "hotspots": MapContent(boundaries=units, density=kernel_density(inc),
                               gi_cells=hotspots(inc, boundary=units).cells),
        "rates": MapContent(rates=rates, boundaries=units),
        "sites": MapContent(boundaries=units, stations=st, coverage=service_areas(st, radius=1500), gaps=gaps,
                            proposed=sites, proposed_areas=service_areas(sites, radius=1500)),
    }


def drawn(fig: matplotlib.figure.Figure) -> list[Text]:
    """The visible texts with something to read, legend, table cells, labels and furniture included."""
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@cache
def charmap(path: str) -> frozenset[int]:
    return frozenset(FT2Font(path).get_charmap())


def missing_glyphs(fig: matplotlib.figure.Figure) -> list[tuple[str, str]]:
    """(text, character) for each character of a drawn text that the artist's resolved font lacks."""
    out = []
    for t in drawn(fig):
        path = findfont(t.get_fontproperties(), fallback_to_default=False)
        cmap = charmap(path)
        out += [(t.get_text(), c) for c in t.get_text() if c not in "\n\t" and ord(c) not in cmap]
    return out


def small_texts(fig: matplotlib.figure.Figure) -> list[tuple[str, float]]:
    return [(t.get_text()[:40], t.get_fontsize()) for t in drawn(fig) if t.get_fontsize() < MIN_PT - 1e-9]


def long_table(lang: str, rows: int = 120) -> pd.DataFrame:
    _ = Tr(lang)
    names = {"ru": "Сельский округ Ак-Суу, село Тамга, улица Ленина, дом", "ky": "Ак-Суу айыл аймагы, Тамга айылы, "
             "Ленин көчөсү, үй"}[lang]
    return pd.DataFrame({
        {"ru": "Населённый пункт", "ky": "Калктуу конуш"}[lang]: [f"{names} {i}" for i in range(rows)],
        _("Incidents"): np.arange(rows) * 1234,
        _("Incidents per 100,000 a year"): np.linspace(0.5, 2500.25, rows),
        {"ru": "Покрыто", "ky": "Камтылган"}[lang]: [True, False] * (rows // 2),
        {"ru": "Дата", "ky": "Күнү"}[lang]: pd.to_datetime(["2017-09-01"] * rows),
        {"ru": "Сумма, ⃀", "ky": "Сумма, ⃀"}[lang]: [f"{1500 + i} ⃀" for i in range(rows)],
    })


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("paper", ["a4-landscape", "a4-portrait"])
def test_every_text_of_an_a4_map_is_7pt_or_more(lang: str, paper: str, contents: dict[str, MapContent]) -> None:
    title, subtitle = TITLES[lang]
    for kind, content in contents.items():
        fig = map_figure(content, title=title, subtitle=subtitle, paper=paper, date=DATE, lang=lang)
        texts = drawn(fig)
        assert len(texts) > 10, kind
        assert small_texts(fig) == [], (kind, paper)
        # titles larger than the rest
        sizes = sorted({t.get_fontsize() for t in texts})
        assert max(sizes) >= 14 and title in [t.get_text() for t in texts if t.get_fontsize() == max(sizes)]


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_of_a_table_page_is_7pt_or_more(lang: str) -> None:
    # A wide table too: the type shrinks to 7 pt at most, then its text columns wrap.
    wide = long_table(lang, 30).assign(**{f"{c} 2": long_table(lang, 30).iloc[:, 0] for c in ("a", "b")})
    for frame in (long_table(lang, 12), long_table(lang), wide):
        for fig in table_pages(frame, title=TITLES[lang][0], note=TITLES[lang][1], lang=lang):
            assert small_texts(fig) == []
    fig = text_figure(TITLES[lang][0], [TITLES[lang][1]] * 5, lang=lang)
    assert small_texts(fig) == []


# --------------------------------------------------------------------------- glyphs and fonts


@pytest.mark.parametrize("lang", LANGS)
def test_every_character_is_in_the_drawn_font(lang: str, contents: dict[str, MapContent]) -> None:
    title = "Жети-Өгүз: Ң ң Ө ө Ү ү, бюджет 1 500 ⃀"
    for kind in ("overview", "hotspots", "sites"):
        fig = map_figure(contents[kind], title=title, subtitle=TITLES[lang][1], date=DATE, lang=lang)
        assert missing_glyphs(fig) == [], kind
        assert any("Ң ң Ө ө Ү ү" in t.get_text() for t in drawn(fig)), "the Kyrgyz letters are drawn as they are"
        assert any("1 500 сом" in t.get_text() for t in drawn(fig)), "the som sign is written out"
    for fig in table_pages(long_table(lang), title=title, lang=lang):
        assert missing_glyphs(fig) == []
    assert missing_glyphs(text_figure(title, ["- " + title, "## " + title], lang=lang)) == []


def test_the_som_sign_is_written_out_and_the_fonts_checked() -> None:
    assert not covers("⃀"), "DejaVu Sans has no som sign: the fallback is needed (drop it when a font has one)"
    assert printable("1 500 ⃀", lang="ru") == "1 500 сом"
    assert printable("1500⃀", lang="ky") == "1500\u00a0сом"
    assert printable("⃀ 20", lang="en") == "som 20"
    assert printable("Ң Ө Ү", lang="ky") == "Ң Ө Ү"
    for bold in (False, True):
        assert covers("ҢңӨөҮүЁё №–…·²°©", bold=bold)


@pytest.mark.parametrize("lang", LANGS)
def test_fonts_are_embedded_in_the_pdf(lang: str, contents: dict[str, MapContent]) -> None:
    assert RC["pdf.fonttype"] == 42, "TrueType fonts, embedded (Type 3 would be drawn as paths, unselectable)"
    fig = map_figure(contents["sites"], title=TITLES[lang][0], date=DATE, lang=lang)
    buf = io.BytesIO()
    save_figure(fig, buf, format="pdf")
    pdf = buf.getvalue()
    assert b"/FontFile2" in pdf, "the TrueType font program is in the file"
    assert b"/Subtype /Type3" not in pdf
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSans", pdf) or b"/BaseFont /DejaVuSans" in pdf


@pytest.mark.parametrize("paper", ["a4-landscape", "a4-portrait"])
def test_every_word_of_the_pdf_stays_on_the_paper(paper: str, contents: dict[str, MapContent], tmp_path) -> None:
    # Measured by poppler in the written PDF, not by matplotlib: a layout measured with hinted screen widths
    # let a long Kyrgyz footer run off the paper.
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; make test installs it")
    _ = Tr("ky")
    fig = map_figure(contents["overview"], title=TITLES["ky"][0], date=DATE, lang="ky", paper=paper,
                     source=_("Koopsuz demo: Bishkek and Jeti-Oguz (synthetic)") + " " + "маалымат " * 12,
                     note=_("How to read this map: {text}", text="сөз " * 200))
    pdf = tmp_path / "map.pdf"
    save_figure(fig, pdf, format="pdf")
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    width, height = float(page.group(1)), float(page.group(2))
    margin = 5 / 25.4 * 72  # 5 mm of the 10 mm margin: nothing nearer the edge
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                       html)
    assert len(words) > 50
    off = [w[4] for w in words if float(w[0]) < margin or float(w[2]) > width - margin
           or float(w[1]) < margin or float(w[3]) > height - margin]
    assert not off, off


# --------------------------------------------------------------------------- long tables


@pytest.mark.parametrize("lang", LANGS)
def test_a_long_table_runs_over_pages_with_its_header_repeated(lang: str) -> None:
    _ = Tr(lang)
    frame = long_table(lang, 120)
    figs = table_pages(frame, title=TITLES[lang][0], note=TITLES[lang][1], lang=lang)
    assert len(figs) >= 3
    heads = [str(c) for c in frame.columns]
    expected = [_.int(i * 1234) for i in range(120)]  # the incidents column: one number a row
    numbers: list[str] = []
    for n, fig in enumerate(figs, start=1):
        texts = [t.get_text().replace("\n", " ") for t in drawn(fig)]  # a long title wraps
        # The header row on every page, in bold, above the first row.
        bold = [t.get_text() for t in drawn(fig) if t.get_fontweight() in ("bold", 700)]
        for head in heads:
            assert any(printable(head, lang=lang).startswith(b) or b in printable(head, lang=lang) for b in bold), \
                (n, head)
        if n > 1:
            assert _("{title} (continued, page {page} of {pages})", title=TITLES[lang][0], page=_.int(n),
                     pages=_.int(len(figs))) in texts
        numbers += [t for t in texts if t in expected]
        assert fig.get_size_inches()[1] > fig.get_size_inches()[0], "a long table goes on portrait pages"
    # Every row once, in order.
    assert numbers == expected
    last = " ".join(t.get_text() for t in drawn(figs[-1]))
    assert TITLES[lang][1] in last
    assert _("The table continues on the next page.") in " ".join(t.get_text() for t in drawn(figs[0]))
    # Numbers and dates in the language's form.
    all_texts = {t.get_text() for f in figs for t in drawn(f)}
    assert _.int(1234 * 119) in all_texts and _.date(dt.date(2017, 9, 1), form="medium") in all_texts
    assert _("yes") in all_texts and _("no") in all_texts


def test_a_table_that_fits_is_one_page_and_max_rows_cuts() -> None:
    frame = long_table("ru", 10)
    assert len(table_pages(frame, title="Т", lang="ru")) == 1
    figs = table_pages(long_table("ru"), title="Т", lang="ru", max_rows=50)
    shown = sum(t.get_text().startswith("Сельский") for f in figs for t in drawn(f))
    assert shown == 50
    assert Tr("ru").plural("first {shown} of {n} row", "first {shown} of {n} rows", 120, shown="50") in \
        " ".join(t.get_text() for t in drawn(figs[-1]))
    one = table_figure(long_table("ru"), title="Т", lang="ru", max_rows=200)
    assert isinstance(one, matplotlib.figure.Figure)


# --------------------------------------------------------------------------- a note under the map, page numbers

NOTES = {"ru": "Как читать карту: " + "Красные клетки — зоны устойчивой концентрации происшествий. " * 6,
         "ky": "Картаны кантип окуу керек: " + "Кызыл клеткалар — окуялар туруктуу топтолгон аймактар. " * 6}


def inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return inner[0] >= outer[0] - 1e-9 and inner[1] >= outer[1] - 1e-9 and inner[2] <= outer[2] + 1e-9 \
        and inner[3] <= outer[3] + 1e-9


def apart(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Whether two (x0, y0, x1, y1) boxes do not overlap."""
    return a[2] <= b[0] + 1e-9 or b[2] <= a[0] + 1e-9 or a[3] <= b[1] + 1e-9 or b[3] <= a[1] + 1e-9


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("paper", ["a4-landscape", "a4-portrait"])
def test_a_note_is_printed_under_the_map(lang: str, paper: str, contents: dict[str, MapContent]) -> None:
    title, subtitle = TITLES[lang]
    plain = map_figure(contents["overview"], title=title, subtitle=subtitle, paper=paper, date=DATE, lang=lang)
    fig = map_figure(contents["overview"], title=title, subtitle=subtitle, paper=paper, date=DATE, lang=lang,
                     note=NOTES[lang])
    regions = fig.koopsuz_regions
    assert "note" not in plain.koopsuz_regions
    note = regions["note"]
    # under the map and the legend, above the footer, within the page's margins; the map gave up the room
    assert note[3] <= min(regions["map"][1], regions["legend"][1]) + 1e-9
    assert note[1] >= regions["footer"][3] - 1e-9
    assert inside(note, (0.0, 0.0, 1.0, 1.0)) and apart(note, regions["footer"]) and apart(note, regions["legend"])
    assert regions["map"][3] - regions["map"][1] < plain.koopsuz_regions["map"][3] - plain.koopsuz_regions["map"][1]
    texts = [t for t in drawn(fig) if t.get_text().startswith(NOTES[lang][:10])]
    assert len(texts) == 1 and texts[0].get_fontsize() >= MIN_PT
    lines = texts[0].get_text().split("\n")
    assert 2 <= len(lines) <= 6  # wrapped to the page
    # every line within the page width: drawn, its box is inside the figure
    box = texts[0].get_window_extent(fig.canvas.get_renderer()).transformed(fig.transFigure.inverted())
    assert inside((box.x0, box.y0, box.x1, box.y1), (0.0, 0.0, 1.0, 1.0))
    assert small_texts(fig) == [] and missing_glyphs(fig) == []


def test_a_blank_note_draws_nothing(contents: dict[str, MapContent]) -> None:
    fig = map_figure(contents["rates"], title="Rates", date=DATE, note="  ")
    assert "note" not in fig.koopsuz_regions


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_number_is_at_the_foot_clear_of_the_rest(lang: str, contents: dict[str, MapContent]) -> None:
    _ = Tr(lang)
    label = _("Page {page} of {pages}", page=_.int(3), pages=_.int(14))
    title, subtitle = TITLES[lang]
    pages = [map_figure(contents["overview"], title=title, subtitle=subtitle, date=DATE, lang=lang,
                        note=NOTES[lang]),
             text_figure(title, [subtitle] * 60, lang=lang),
             *table_pages(long_table(lang), title=title, note=subtitle, lang=lang)[:2]]
    for fig in pages:
        number_page(fig, label)
        regions = fig.koopsuz_regions
        box = regions["page_number"]
        assert inside(box, (0.0, 0.0, 1.0, 1.0)) and box[1] > 0.005  # on the paper, not at its very edge
        for name, other in regions.items():
            if name != "page_number":
                assert box[3] <= other[1] + 1e-9, name  # under everything else
        texts = [t for t in drawn(fig) if t.get_text() == label]
        assert len(texts) == 1 and texts[0].get_fontsize() >= MIN_PT
        assert missing_glyphs(fig) == []


# --------------------------------------------------------------------------- no English on a Russian or Kyrgyz page


@pytest.mark.parametrize("lang", LANGS)
def test_no_english_words_on_a_russian_or_kyrgyz_map(lang: str, contents: dict[str, MapContent]) -> None:
    title, subtitle = TITLES[lang]
    for kind, content in contents.items():
        fig = map_figure(content, title=title, subtitle=subtitle, date=DATE, lang=lang)
        text = "\n".join(t.get_text() for t in drawn(fig))
        assert english_words(text) == {}, (kind, english_words(text))
    frame = long_table(lang, 30)
    for fig in table_pages(frame, title=title, note=subtitle, lang=lang, max_rows=20):
        text = "\n".join(t.get_text() for t in drawn(fig))
        assert english_words(text) == {}, english_words(text)
