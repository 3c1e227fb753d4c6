"""Every page in Russian and in Kyrgyz, in a real browser: no English word on screen, and a screenshot of each.

One server and one browser for the module. For each language the page is opened with ``?lang=<lang>`` and
walks as a council member in Jeti-Oguz would: the Overview of Jeti-Oguz, the Hotspots page by each method
(density, hot spots, the smoothed and the counted rate, clusters), then hot spots for one category in one
month, the Planner before and after "Propose sites", the Export page with a print map made and the data files
prepared (each tab), and the Data page (each tab) with a police registry export checked, not imported. At each step, once the page is settled, its text must hold
no word that :func:`english.english_words` reports, and some Cyrillic. English runs the same walk for its
screenshots only.

The text read: ``innerText`` of the page and of every frame in it (the web maps are folium maps in iframes:
their legends, layer control, attribution and settlement labels count), with every expander opened; the
header and the cells on screen of each table (drawn on a canvas, read from its accessible copy); the help
behind each (?) and the options of each closed list (read from the elements' React props); the tooltip and
popup of each feature drawn on a web map (read from its Leaflet layers). Not read: the language switch's
label (in three languages on purpose), icon names, text for screen readers only, code spans (file names,
paths, commands: reported apart), record numbers ("JOG-2017-000002"), Streamlit's own toolbar tooltips,
incidents inside a cluster of markers until it is opened.

Widgets are found by their keys (Streamlit puts the class ``st-key-<key>`` on them) and options by position,
never by English labels. Screenshots go to ``$KOOPSUZ_SCREENSHOTS`` (default: a temporary folder), one per
page and language, with ``english_<lang>.txt`` listing what was found; the last test checks the pictures
(real, not blank PNGs; Russian and Kyrgyz differ).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from browser_support import MAP_FRAME, Session, browser, running_app, tile_server  # noqa: F401 - fixtures
from english import english_words
from geo.demo import write_demo
from geo.i18n import Tr
from geo.schema import CATEGORY_LABELS

pytestmark = pytest.mark.browser

CHECKED = ("ru", "ky")  # the languages whose pages must hold no English word
SCREENS_ENV = "KOOPSUZ_SCREENSHOTS"
MAX_SHOT = 6000  # pixels: the tallest screenshot (a page taller than this is cut)
CYRILLIC = re.compile(r"[А-Яа-яЁёҢңӨөҮү]")
# Record numbers ("JOG-2017-000002" in an incident's popup) are the police's identifiers, not words.
IDENTIFIER = re.compile(r"\b[A-Z][A-Z0-9]*-[0-9][A-Za-z0-9-]*")
# The walk's filters: Jeti-Oguz is the second area (areas are sorted by their stored name), and livestock theft
# in October 2018 leaves a handful of its incidents, enough for every page to draw.
AREA_INDEX = 1
CATEGORY = "livestock_theft"
MONTH = (dt.date(2018, 10, 1), dt.date(2018, 10, 31))
# The Hotspots page's methods, in the order of the options of its radio (key hs_method), with what the newest
# map then draws (the density surface is an image).
METHODS = {"density": "img.leaflet-image-layer", "gi": "path.kz-gi-cell", "rates_eb": "path.kz-boundary",
           "rates_raw": "path.kz-boundary", "lisa": "path.kz-lisa"}


@dataclass
class Walk:
    """What one language's walk saw: the text and the English words of each step, the screenshots."""

    lang: str
    text: dict[str, str] = field(default_factory=dict)
    english: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # step -> word -> snippets
    shots: dict[str, Path] = field(default_factory=dict)
    code: set[str] = field(default_factory=set)  # code spans seen (file names, commands): not checked
    hidden: int = 0  # help texts, option lists, map tooltips and popups read from the elements' props
    hover: int = 0  # of which the web maps' tooltips and popups
    seconds: float = 0.0


WALKS: dict[str, Walk] = {}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo at a fifth of its volume, as `make demo` writes it (with its meta), under a name that is no
    English word: the sidebar shows the workspace's file name."""
    path = write_demo(tmp_path_factory.mktemp("lang"), scale=0.2)
    return path.rename(path.with_name("koopsuz.gpkg"))


@pytest.fixture(scope="module")
def app(workspace, tile_server) -> Iterator[str]:
    with running_app(workspace, tile_server) as url:
        yield url


# A police registry export as the Data page receives it (CP1251, Russian headers): three good rows, an
# impossible date and a row at 0, 0.
REGISTRY_CSV = (
    "№;Дата совершения;Время;Статья;Фабула;Широта;Долгота\n"
    "1;03.04.2016;14:30;Хулиганство (ст. 234 УК КР);Драка у рынка;42,8746;74,5698\n"
    "2;15.04.2016;09:05;Кража с проникновением в жилище;Из квартиры похищено имущество;42,8901;74,6612\n"
    "3;01.05.2016;23:10;ДТП с пострадавшими;Наезд на пешехода;42,8801;74,6012\n"
    "4;31.02.2016;10:00;Кража скота;Угнан скот;42,9000;74,7000\n"
    "5;02.05.2016;;Мошенничество;Обман при продаже;0;0\n"
)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("upload") / "реестр.csv"
    path.write_bytes(REGISTRY_CSV.encode("cp1251"))
    return path


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get(SCREENS_ENV) or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def tab(browser) -> Iterator[Session]:
    """One page for every language: each walk opens the app afresh (a new session) with ``?lang=``."""
    s = Session(browser, viewport={"width": 1400, "height": 1300})
    yield s
    s.close()


# Visible text of a document: the body's innerText, less
# - the language switch, whose label is in all three languages on purpose (a reader lost in a language they
#   cannot read must find the switch);
# - icons, which are letters of an icon font ("keyboard_arrow_right") drawn as pictures;
# - text only a screen reader reads (clipped to nothing): the date picker's announcements, in the browser's
#   language, not the app's;
# - code (`koopsuz.gpkg`, `python -m geo ...`): file names, paths and commands are typed as they are; the
#   walk reports them apart.
# Tables (st.dataframe) are drawn on a canvas: their header and the cells on screen are read from the
# accessible table beside it. Help texts and the options of closed lists are read too (see below).
TEXT_JS = r"""() => {
    if (!document.body) return {text: '', code: [], hidden: 0, hover: 0};
    // what is not read is hidden for the moment of reading (not cut out of the text: the same words may be
    // on screen elsewhere)
    const skip = new Set();
    const label = document.querySelector('.st-key-lang [data-testid=stWidgetLabel]');
    if (label) skip.add(label);
    for (const icon of document.querySelectorAll('[data-testid=stIconMaterial]')) skip.add(icon);
    for (const e of document.body.querySelectorAll('*')) {  // clipped to a pixel or less: for screen readers
        const r = e.getBoundingClientRect();
        if (r.width > 1 || r.height > 1 || !e.innerText || !e.innerText.trim()) continue;
        const st = getComputedStyle(e);
        if (st.display === 'contents' || st.display === 'none') continue;
        if (st.overflow === 'hidden' || st.clip !== 'auto' || st.clipPath !== 'none') skip.add(e);
    }
    const code = [];
    for (const e of document.querySelectorAll('code')) {
        if (e.innerText && e.innerText.trim()) code.push(e.innerText);
        skip.add(e);
    }
    const saved = [...skip].map(e => [e, e.style.getPropertyValue('display'), e.style.getPropertyPriority('display')]);
    for (const [e] of saved) e.style.setProperty('display', 'none', 'important');
    let text = document.body.innerText || '';
    for (const [e, value, priority] of saved) {
        if (value) e.style.setProperty('display', value, priority); else e.style.removeProperty('display');
    }
    for (const grid of document.querySelectorAll('[data-testid=stDataFrame]')) {
        const cells = [...grid.querySelectorAll('th, td')].map(c => c.textContent);
        text += '\n' + cells.join('\n');
    }
    // what a reader sees on demand: the help behind each (?) and the options of each closed list, read from
    // the props React keeps on the element (Streamlit's own toolbar tooltips are not the app's words)
    const props = (el, pick) => {
        const key = Object.keys(el).find(k => k.startsWith('__reactFiber'));
        for (let f = key && el[key], i = 0; f && i < 15; i++, f = f.return) {
            const found = pick(f.memoizedProps || {});
            if (found) return found;
        }
        return null;
    };
    const hidden = [];
    for (const el of document.querySelectorAll('[data-testid=stTooltipHoverTarget]')) {
        if (el.closest('[data-testid=stElementToolbarButton]')) continue;
        const help = props(el, p => typeof p.content === 'string' && p.content);
        if (help) hidden.push(help);
    }
    for (const el of document.querySelectorAll('[data-testid=stSelectbox], [data-testid=stMultiSelect]')) {
        if (el.closest('.st-key-lang')) continue;  // the language switch names each language in its own
        const options = props(el, p => (Array.isArray(p.options) && p.options)
                                       || (p.element && Array.isArray(p.element.options) && p.element.options));
        if (options) hidden.push(options.join('\n'));
    }
    // and on a web map, the tooltip and popup of each feature, read from the map's layers (no hover needed)
    const words = (c, layer) => {
        if (typeof c === 'function') { try { c = c(layer); } catch (e) { return ''; } }
        if (typeof c === 'string') {  // a line break after each block, as the popup shows it
            c = c.replace(/<(br|\/(div|p|tr|td|th|li|h\d))\b[^>]*>/gi, '$&\n');
            return new DOMParser().parseFromString(c, 'text/html').body.textContent;
        }
        return (c && c.textContent) || '';
    };
    let hover = 0;
    if (window.map && window.map._layers) {
        for (const layer of Object.values(window.map._layers)) {
            for (const bound of [layer.getTooltip && layer.getTooltip(), layer.getPopup && layer.getPopup()]) {
                if (!bound) continue;
                const c = bound.getContent();
                // a tooltip bound to a whole GeoJSON layer is a function of each of its features
                const parts = typeof c === 'function' && layer.eachLayer ? [] : [layer];
                if (!parts.length) layer.eachLayer(f => parts.push(f));
                for (const f of parts) { const t = words(c, f); if (t.trim()) { hidden.push(t); hover++; } }
            }
        }
    }
    return {text: text + '\n' + hidden.join('\n'), code, hidden: hidden.length, hover};
}"""


class Walker:
    """Steps through the app in one language, collecting each step's text and screenshot."""

    def __init__(self, s: Session, app: str, walk: Walk, screens: Path, upload: Path) -> None:
        self.s, self.page, self.app, self.walk, self.screens, self.upload = s, s.page, app, walk, screens, upload
        self.tr = Tr(walk.lang)
        self.t0 = time.monotonic()

    # -- waiting -------------------------------------------------------------------------------------------
    def settle(self, *, maps: bool = True) -> None:
        """Wait until no rerun runs, no element is stale, and every web map on the page has drawn."""
        page = self.page
        for _ in range(3):  # a rerun can start just after the first check: look again until quiet twice
            page.wait_for_timeout(250)
            page.locator("[data-testid=stStatusWidget]").wait_for(state="hidden", timeout=90_000)
            deadline = time.monotonic() + 60
            while page.locator("[data-stale=true]").count() and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            if maps:
                for i in range(page.locator(MAP_FRAME).count()):
                    page.frame_locator(f"{MAP_FRAME} >> nth={i}").locator(".leaflet-container").wait_for(
                        timeout=60_000)
            if not page.locator("[data-testid=stStatusWidget]").is_visible():
                break
        page.wait_for_timeout(300)  # the last map's labels and legends are added after its container

    def newest_map_has(self, selector: str) -> None:
        self.s.map.locator(selector).first.wait_for(state="attached", timeout=90_000)

    # -- navigation ----------------------------------------------------------------------------------------
    def open(self) -> None:
        self.page.goto(f"{self.app}?lang={self.walk.lang}")
        self.page.locator("[data-testid=stSidebarNav]").wait_for(timeout=90_000)
        self.settle()

    def go(self, path: str, ready: str) -> None:
        """Follow the sidebar link to a page (``hotspots``...) and wait for its element ``ready``: the session
        and its filters stay."""
        link = self.page.locator(f"[data-testid=stSidebarNav] a[href*='/{path}']").first
        link.click()
        self.page.wait_for_url(re.compile(rf"/{path}(\?|$)"), timeout=60_000)
        self.page.locator(f"{ready}, [data-testid=stException]").first.wait_for(timeout=90_000)
        self.settle()
        crash = self.page.locator("[data-testid=stException]")
        assert crash.count() == 0, f"the {path} page failed: {crash.first.inner_text()[:2000]}"

    def choose(self, key: str, index: int) -> None:
        self.s.choose_nth(key, index)
        self.settle()

    def only_category(self, category: str) -> None:
        """Leave one category in the sidebar's multiselect, named as this language names it."""
        box = self.page.locator(".st-key-f_cats")
        tags = box.locator("[data-tag]")
        # Streamlit's own "clear all" button (its label is Streamlit's, the same in every language of ours)
        box.locator("button[aria-label='Clear all']").click()
        for _ in range(30):  # else tag by tag; each removal reruns the app
            self.settle(maps=False)
            if tags.count() == 0:
                break
            box.locator("[data-tag] button").first.click()
        assert tags.count() == 0, "the categories could not be cleared"
        name = self.tr(CATEGORY_LABELS[category])
        for _ in range(5):
            self.settle(maps=False)
            box.locator("input").click()
            try:
                self.page.get_by_role("option", name=name, exact=True).click(timeout=10_000)
            except Exception:  # noqa: BLE001 - playwright's TimeoutError: a rerun redrew the list
                self.page.keyboard.press("Escape")
                continue
            self.page.keyboard.press("Escape")
            break
        assert [t.inner_text() for t in tags.all()] == [name], f"category {name!r} not chosen"
        self.settle()

    def period(self, start: dt.date, end: dt.date) -> None:
        """Choose a whole month in the sidebar's period: "Month", then the month by its name in this language."""
        assert start.day == 1 and (end + dt.timedelta(days=1)).day == 1 and start.month == end.month, \
            f"the walk picks whole months, not {start} to {end}"
        self.choose("f_period_kind", 2)  # Year, Quarter, Month, Custom dates
        name = self.tr.month_year(start)
        box = self.page.locator(".st-key-f_period_month")
        for _ in range(5):
            self.settle(maps=False)
            box.locator("input").click()
            try:
                self.page.get_by_role("option", name=name, exact=True).click(timeout=10_000)
            except Exception:  # noqa: BLE001 - playwright's TimeoutError: a rerun redrew the list
                self.page.keyboard.press("Escape")
                continue
            break
        self.settle()
        # the select shows its choice as text or as its input's value, depending on Streamlit's version
        shown = f"{box.text_content()} {box.locator('input').first.input_value()}"
        assert name in shown, f"period shown as {shown!r}, not {name!r}"
        assert f"period={start:%Y-%m}" in self.page.url, f"the address does not hold the month: {self.page.url}"

    # -- looking -------------------------------------------------------------------------------------------
    def open_expanders(self) -> None:
        """Open every closed expander: its text is part of the page (opening one does not rerun)."""
        closed = self.page.locator("[data-testid=stExpander] details:not([open]) > summary:visible")
        for _ in range(20):
            if closed.count() == 0:
                break
            closed.first.click()
            self.page.wait_for_timeout(150)

    def text(self) -> str:
        """The visible text of the page and of every frame in it; code spans go to the walk's ``code``."""
        frames = [self.page.main_frame] + [f for f in self.page.frames if f is not self.page.main_frame]
        parts = []
        for frame in frames:
            if frame.is_detached():
                continue
            try:
                got = frame.evaluate(TEXT_JS)
            except Exception:  # noqa: BLE001 - a map frame replaced while read: the new one is read too
                continue
            parts.append(got["text"])
            self.walk.code.update(got["code"])
            self.walk.hidden += got["hidden"]
            self.walk.hover += got["hover"]
        return "\n".join(parts)

    def look(self, step: str, *, tabs: bool = False, screenshot: bool = True) -> None:
        """Record the step's visible text (each tab's, with ``tabs``) and its English words; save a screenshot."""
        self.settle()
        self.open_expanders()
        texts = [self.text()]
        if tabs:
            tab_list = self.page.locator("[data-testid=stMain] [role=tab]")
            for i in range(1, tab_list.count()):
                tab_list.nth(i).click()
                self.settle()
                self.open_expanders()
                texts.append(self.text())
            if tab_list.count():
                tab_list.first.click()
                self.settle()
        text = "\n".join(texts)
        print(f"{self.walk.lang} {step}: {time.monotonic() - self.t0:.0f} s")
        self.walk.text[step] = text
        found = english_words(IDENTIFIER.sub(" ", text))
        if found:
            self.walk.english[step] = {w: snippets(text, w) for w in sorted(found)}
        if screenshot:
            self.shoot(step)

    def shoot(self, step: str) -> None:
        """Save the whole page: the app scrolls inside its main pane, so the window grows to its height first."""
        path = self.screens / f"{step}_{self.walk.lang}.png"
        size = self.page.viewport_size
        height = self.page.evaluate("() => Math.max(...[...document.querySelectorAll("
                                    "'[data-testid=stMain], [data-testid=stSidebarContent]')].map(e => e.scrollHeight))")
        self.page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), MAX_SHOT)})
        try:
            self.page.wait_for_timeout(300)  # charts redraw to the new size
            self.page.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(size)
        self.walk.shots[step] = path


def snippets(text: str, word: str, *, width: int = 40, most: int = 2) -> list[str]:
    out = []
    for m in re.finditer(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text):
        out.append(" ".join(text[max(0, m.start() - width):m.end() + width].split()))
        if len(out) == most:
            break
    return out


def english_report(walk: Walk) -> str:
    """The English words of each step, those of every step (the sidebar's, mostly) said once first."""
    code = f"[{walk.lang}] code, not checked: " + " | ".join(sorted(walk.code))
    if not walk.english:
        return f"[{walk.lang}] no English word on any page\n{code}"
    steps = list(walk.text)
    everywhere = set.intersection(*(set(walk.english.get(step, ())) for step in steps))
    lines = []
    if everywhere:
        first = next(iter(walk.english.values()))
        lines.append(f"[{walk.lang}] on every page: {len(everywhere)} English words")
        lines += [f"    {word}: {first[word][0]}" for word in sorted(everywhere, key=str.lower)]
    for step, words in walk.english.items():
        own = {w: where for w, where in words.items() if w not in everywhere}
        if own:
            lines.append(f"[{walk.lang}] {step}: {len(own)} more English words")
            lines += [f"    {word}: {' | '.join(where)}" for word, where in sorted(own.items(),
                                                                                  key=lambda i: i[0].lower())]
    return "\n".join([*lines, code])


def walk_the_app(w: Walker) -> None:
    """The Jeti-Oguz walk; ``look`` records each page on the way."""
    w.open()
    w.choose("f_area", AREA_INDEX)
    w.look("overview")

    w.go("hotspots", ".st-key-hs_method")
    n = w.page.locator(".st-key-hs_method input[type=radio]").count()
    assert n == len(METHODS), f"the Hotspots page offers {n} methods, the walk knows {list(METHODS)}"
    for index, (method, drawn) in enumerate(METHODS.items()):
        w.choose("hs_method", index)
        w.newest_map_has(drawn)
        w.look(f"hotspots_{method}")

    # hot spots of one category in one month
    w.only_category(CATEGORY)
    w.period(*MONTH)
    w.choose("hs_method", list(METHODS).index("gi"))
    w.look("hotspots_category_month")

    w.go("planner", ".st-key-pl_run")
    w.look("planner")
    w.page.locator(".st-key-pl_run button").click()
    w.s.map.locator(".kz-proposed").first.wait_for(state="attached", timeout=120_000)
    w.look("planner_proposed")

    w.go("export", "[data-testid=stMain] [role=tab]")
    if w.walk.lang in CHECKED:  # (English only for its screenshots: the time goes to the checked languages)
        # the results' words too: a print map made (its notes, preview caption, file name) and the data files
        tabs = w.page.locator("[data-testid=stMain] [role=tab]")
        w.page.locator(".st-key-ex_make button").click()
        w.page.locator(".st-key-ex_dl_0").wait_for(timeout=120_000)
        w.settle()
        tabs.nth(2).click()
        w.page.locator(".st-key-dt_make button").click()
        w.page.locator(".st-key-dt_dl_0").wait_for(timeout=120_000)
        tabs.first.click()
    w.look("export", tabs=True)
    w.go("data", "[data-testid=stMain] [role=tab]")
    if w.walk.lang in CHECKED:
        # the check of a police registry export (its counts, rejected rows and their reasons), not imported:
        # the next language's walk sees the same workspace
        w.page.locator(".st-key-imp_file input[type=file]").set_input_files(str(w.upload))
        w.page.locator(".st-key-imp_mode").wait_for(timeout=90_000)
    w.look("data", tabs=True)


@pytest.mark.parametrize("lang", [*CHECKED, "en"])
def test_every_page_speaks_the_language(lang, app, tab, screens, registry):
    walk = Walk(lang)
    WALKS[lang] = walk
    t0 = time.monotonic()
    walk_the_app(Walker(tab, app, walk, screens, registry))
    walk.seconds = time.monotonic() - t0
    print(f"{lang}: walk took {walk.seconds:.0f} s; read {walk.hidden} help texts, lists and map tooltips or popups "
          f"({walk.hover} of them on the maps); screenshots in {screens}")
    if lang not in CHECKED:
        # the same reading finds the English words of the English pages: it reads what is on them
        unread = [step for step, text in walk.text.items() if not english_words(text)]
        assert not unread, f"no English word read on the English {unread}"
        return
    report = english_report(walk)
    (screens / f"english_{lang}.txt").write_text(report + "\n", encoding="utf-8")
    print(report)
    assert walk.hidden > 0, "no help text or list option found: has Streamlit changed how it keeps them?"
    assert walk.hover > 0, "no tooltip or popup found on the web maps: has folium changed how it binds them?"
    no_cyrillic = [step for step, text in walk.text.items() if not CYRILLIC.search(text)]
    assert not no_cyrillic, f"no Cyrillic at all on {no_cyrillic}: is the page empty?"
    assert not walk.english, f"English words on the pages (also in {screens}/english_{lang}.txt):\n{report}"
    assert tab.remote == [], tab.remote


def test_screenshots_are_pictures_and_differ_between_languages():
    from PIL import Image, ImageChops

    assert set(CHECKED) <= set(WALKS), "the walks did not run"
    for lang, walk in WALKS.items():
        assert walk.shots, f"no screenshot in {lang}"
        for step, path in walk.shots.items():
            with Image.open(path) as img:
                assert img.format == "PNG", path
                img.load()
                colours = img.convert("RGB").getcolors(maxcolors=1 << 16)
                # a page with text, maps and widgets has thousands of colours; a blank one a handful
                assert colours is None or len(colours) > 200, f"{path} looks blank ({len(colours)} colours)"
    ru, ky = WALKS["ru"], WALKS["ky"]
    assert set(ru.shots) == set(ky.shots)
    for step in ru.shots:
        with Image.open(ru.shots[step]) as a, Image.open(ky.shots[step]) as b:
            same = a.size == b.size and ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None
        assert not same, f"the ru and ky screenshots of {step} are the same picture"
