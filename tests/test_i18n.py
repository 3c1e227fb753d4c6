"""The catalogs: every message of the code translated into Russian and Kyrgyz, placeholders kept, glossary followed."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pandas as pd
import pytest
from babel.messages.pofile import read_po

from conftest import ROOT
from geo.i18n import LANGS, Tr, locale_dir, pick_lang, place_names

FIELD = re.compile(r"\{[^{}]*\}")
SOURCES = ["geo", "layers", "views", "koopsuz", "app.py"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages of the code as Babel extracts them now (not as the committed template says)."""
    pot = tmp_path_factory.mktemp("pot") / "koopsuz.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "locale/babel.cfg",
                    "--no-default-keywords", "-k", "_", "-k", "N_", "-k", "plural:1,2", "-k", "ctx:1c,2", "--no-location", "-o", str(pot),
                    *SOURCES], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as fh:
        return read_po(fh)


def catalog(lang: str):
    with (locale_dir() / lang / "LC_MESSAGES" / "koopsuz.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_every_message_of_the_code_is_translated(extracted, lang):
    cat = catalog(lang)
    missing, empty = [], []
    for m in extracted:
        if not m.id:
            continue
        got = cat.get(m.id, context=m.context)
        if got is None:
            missing.append(m.id)
        elif got.fuzzy or not all(s.strip() for s in forms(got)):
            empty.append(m.id)
    assert not missing, f"{len(missing)} messages not in the {lang} catalog (make i18n-update): {missing[:10]}"
    assert not empty, f"{len(empty)} messages without a {lang} translation: {empty[:10]}"


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_no_translation_drops_or_adds_a_placeholder(lang):
    bad = []
    for m in catalog(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple | list) else (m.id,)
        want = set(FIELD.findall(ids[-1])) | set(FIELD.findall(ids[0]))
        for s in forms(m):
            if s and set(FIELD.findall(s)) != want and not (len(ids) > 1 and set(FIELD.findall(s)) <= want):
                bad.append((ids[0], s))
    assert not bad, bad[:10]


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_plural_forms_per_language(lang):
    cat = catalog(lang)
    assert cat.num_plurals == {"ru": 3, "ky": 2}[lang]
    for m in cat:
        if m.id and isinstance(m.id, tuple | list):
            assert len(forms(m)) == cat.num_plurals, m.id


def test_the_catalogs_follow_the_glossary():
    rows = []
    for line in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("term (en)", "---") and not set(cells[0]) <= {"-"}:
            rows.append(cells)
    assert len(rows) >= 40
    ru, ky = catalog("ru"), catalog("ky")
    checked, wrong = 0, []
    for en, r, k, _meaning in rows:
        for cat, want in ((ru, r), (ky, k)):
            m = cat.get(en)
            if m is not None and m.string:
                checked += 1
                if m.string != want:
                    wrong.append((en, m.string, want))
    assert not wrong, wrong
    assert checked >= 16  # the glossary's terms are the catalog's words, not a separate list


def test_numbers_dates_and_plurals_by_language():
    ru, ky, en = Tr("ru"), Tr("ky"), Tr("en")
    assert ru.num(1341.2, 1) == "1\xa0341,2" and en.num(1341.2, 1) == "1,341.2"
    assert ru.date(dt.date(2017, 12, 19)) == "19 декабря 2017\u202fг."  # CLDR: a narrow no-break space
    assert en.date(dt.date(2017, 12, 19)) == "December 19, 2017"
    assert ru.month(1) == "январь" and en.month(1) == "January"
    assert [ru.plural("{n} incident", "{n} incidents", n) for n in (1, 2, 5, 21)] == [
        "1 происшествие", "2 происшествия", "5 происшествий", "21 происшествие"]
    assert [ky.plural("{n} incident", "{n} incidents", n) for n in (1, 5)] == ["1 окуя", "5 окуя"]
    assert en.plural("{n} incident", "{n} incidents", 1) == "1 incident"


def test_language_choice():
    assert pick_lang(None, "", "ky-KG,ky;q=0.9,ru;q=0.8") == "ky"
    assert pick_lang("en", "ky") == "en"
    assert pick_lang("de-DE,fr;q=0.5") == "ru"  # neither offered: Russian
    assert pick_lang(None, "fr;q=0.9,en;q=0.2") == "en"
    assert set(LANGS) == {"ru", "ky", "en"}


def test_place_names_fall_back_to_the_stored_name():
    f = pd.DataFrame({"name": ["Kyzyl-Suu", "Tamga"], "name_ru": ["Кызыл-Суу", None], "name_ky": ["Кызыл-Суу", " "]})
    assert place_names(f, "ru").tolist() == ["Кызыл-Суу", "Tamga"]
    assert place_names(f, "ky").tolist() == ["Кызыл-Суу", "Tamga"]
    assert place_names(f, "en").tolist() == ["Kyzyl-Suu", "Tamga"]
    assert place_names(f[["name"]], "ru").tolist() == ["Kyzyl-Suu", "Tamga"]


def test_a_field_ending_in_a_full_stop_gets_no_second():
    _ = Tr("ru")
    period = _.period(dt.date(2017, 1, 1), dt.date(2017, 12, 31))
    assert period.endswith("г.")
    text = _("Period: {period}.", period=period)
    assert text.endswith("2017\u202fг.") and ".." not in text
    assert Tr("en")("Period: {period}.", period="2017") == "Period: 2017."
