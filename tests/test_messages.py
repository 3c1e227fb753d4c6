"""The library's messages on a Russian or Kyrgyz page: real failures, written in English, read in the page's language.

Each test makes the library fail the way a planner's file makes it fail, takes the English message it
writes (and stores), and checks that :meth:`geo.i18n.Tr.message` gives it back in Russian and Kyrgyz
with no English word left (outside the allow-list of ``tests/english.py`` and the user's own values:
the file name, the quoted values) and with its fields kept: the row numbers, the file name.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from babel.messages.pofile import read_po

from english import english_words
from geo.i18n import Tr, locale_dir
from geo.io.dates import parse_datetimes
from geo.io.importer import ImportError_, commit, prepare
from geo.io.plausible import outside_study
from geo.io.readers import ReadError, read_table
from geo.io.store import Workspace, WorkspaceError
from geo.messages import TEMPLATES, fields_of

FIELD = re.compile(r"\{[^{}]*\}")
LANGS = ("ru", "ky")


def read_in(lang: str, english: str, *, keep: tuple[str, ...] = ()) -> str:
    """``english`` in ``lang``, checked: translated whole, no English word but the user's own, ``keep`` kept."""
    text = Tr(lang).message(english)
    assert text != english, f"{lang}: not translated: {english}"
    for k in keep:
        assert k in text, f"{lang}: {k!r} lost from {text!r}"
    own = text
    for k in sorted(keep, key=len, reverse=True):
        own = own.replace(k, "")
    own = re.sub(r"'[^']*'", "", own)  # quoted values are the user's, as written
    assert not english_words(own), f"{lang}: English words {dict(english_words(own))} in {text!r}"
    return text


def csv_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


INCIDENTS = ("id,date,category,lat,lon\n"
             "1,2024-03-15,Кража,42.49,78.39\n"
             "2,31.02.2024,Кража,42.50,78.40\n"
             "3,2024-03-17,Кража,42.51,78.41\n")


@pytest.mark.parametrize("lang", LANGS)
def test_a_date_that_does_not_exist(tmp_path, lang):
    result = prepare(csv_file(tmp_path, "кражи_март.csv", INCIDENTS), "incidents")
    rej = result.rejected
    assert list(rej["row"]) == [2] and list(rej["field"]) == ["occurred_at"]
    reason = rej["reason"].iloc[0]
    assert reason == "date '31.02.2024' does not exist (February 2024 has 29 days)"  # stored in English
    text = read_in(lang, reason, keep=("'31.02.2024'", "2024", "29"))
    assert {"ru": "феврал", "ky": "феврал"}[lang] in text
    # a page translates the whole column of reasons at once, each distinct reason once
    shown = Tr(lang).messages(rej["reason"])
    assert shown.tolist() == [text] and shown.index.equals(rej.index)


@pytest.mark.parametrize("lang", LANGS)
def test_dates_the_parser_refuses(lang):
    errors = parse_datetimes(pd.Series(["13/13/2024", "2024-01-01 25:10", "hello", "1850-01-01"])).errors
    for english in errors:
        read_in(lang, english)


@pytest.mark.parametrize("lang", LANGS)
def test_a_missing_column(tmp_path, lang):
    path = csv_file(tmp_path, "no_category.csv", "id,date,lat,lon\n1,2024-03-15,42.49,78.39\n")
    with pytest.raises(ImportError_) as err:
        prepare(path, "incidents")
    english = str(err.value)
    assert english.startswith("no_category.csv: no column for the offence type")
    read_in(lang, english, keep=("no_category.csv", "id, date, lat, lon"))


@pytest.mark.parametrize("lang", LANGS)
def test_an_unreadable_file(tmp_path, lang):
    path = tmp_path / "отчёт.csv"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(ReadError) as err:
        read_table(path)
    english = str(err.value)
    assert "binary file" in english
    read_in(lang, english, keep=("отчёт.csv",))
    with pytest.raises(ReadError) as err:
        read_table(tmp_path / "missing.xlsx")
    read_in(lang, str(err.value), keep=("missing.xlsx",))


@pytest.mark.parametrize("lang", LANGS)
def test_points_outside_the_plausible_area(tmp_path, lang):
    rows = "".join(f"{i},2024-03-{i:02d},Кража,42.{i:02d},78.39\n" for i in range(1, 9))
    path = csv_file(tmp_path, "points.csv", "id,date,category,lat,lon\n" + rows + "9,2024-03-09,Кража,123.5,200\n")
    rej = prepare(path, "incidents").rejected
    assert list(rej["row"]) == [9]
    read_in(lang, rej["reason"].iloc[0], keep=("123.5",))
    # far outside the workspace's settlements: kept, with a warning naming the rows
    geom = gpd.GeoSeries(shapely.points(np.array([[78.4, 42.5], [78.41, 42.5], [71.0, 40.0]])), crs=4326)
    k, warning = outside_study(geom, np.array([4, 5, 17]), (78.0, 42.0, 79.0, 43.0), "incidents")
    assert k == 1 and "row 17" in warning
    text = read_in(lang, warning, keep=("17",))
    assert {"ru": "происшествия", "ky": "окуялар"}[lang] in text


@pytest.mark.parametrize("lang", LANGS)
def test_a_duplicate_id(tmp_path, lang):
    ws = Workspace(tmp_path / "w.gpkg")
    path = csv_file(tmp_path, "march.csv", INCIDENTS)
    commit(prepare(path, "incidents", workspace=ws), ws, mode="replace")
    with pytest.raises(ImportError_) as err:  # every row is already there: nothing left to add
        commit(prepare(path, "incidents", workspace=ws), ws, mode="append")
    english = str(err.value)
    assert "id is already in the workspace" in english
    read_in(lang, english, keep=("march.csv",))
    read_in(lang, "id is already in the workspace")


@pytest.mark.parametrize("lang", LANGS)
def test_a_workspace_that_is_not_a_workspace(tmp_path, lang):
    path = tmp_path / "not_a_workspace.gpkg"
    path.write_text("id,date\n1,2024-01-01\n", encoding="utf-8")
    with pytest.raises(WorkspaceError) as err:
        Workspace(path).tables()
    english = str(err.value)
    assert english.startswith(f"{path}: not a readable GeoPackage (")
    # the reason in brackets is the GeoPackage library's own, in English, kept as written: the rest is translated
    cause = english[len(f"{path}: not a readable GeoPackage ("):-1]
    read_in(lang, english, keep=(str(path), cause))


def test_english_comes_back_as_written_and_unknown_text_unchanged():
    msg = "date '31.02.2024' does not exist (February 2024 has 29 days)"
    assert Tr("en").message(msg) == msg
    assert Tr("ru").message("something the library never says") == "something the library never says"
    # a part no template knows stays, the parts around it are translated
    mixed = Tr("ru").message("something new; id is already in the workspace")
    assert mixed.startswith("something new; ") and "workspace" not in mixed


def templates_with_fields() -> list[str]:
    return [t for t in TEMPLATES if fields_of(t)]


@pytest.mark.parametrize("lang", LANGS)
def test_every_template_is_translated_with_its_fields(lang):
    with (locale_dir() / lang / "LC_MESSAGES" / "koopsuz.po").open("rb") as fh:
        cat = read_po(fh, locale=lang)
    missing, dropped = [], []
    for t in TEMPLATES:
        m = cat.get(t)
        if m is None or not m.string or m.fuzzy:
            missing.append(t)
        elif set(FIELD.findall(m.string)) != set(FIELD.findall(t)):
            dropped.append((t, m.string))
    assert not missing, f"{len(missing)} templates without a {lang} translation: {missing[:5]}"
    assert not dropped, dropped[:5]
    assert len(templates_with_fields()) > 100


def test_numbers_the_library_grouped_read_as_the_language_writes_them():
    """"21,559" is twenty-one thousand in English and 21.6 in Russian: a grouped number is rewritten;
    a user's own value ("41.68", "1,5") is left as written."""
    from geo import messages as M
    from geo.i18n import Tr

    text = M.PT_OUTSIDE_STUDY.format(n="21,559", total="21,559", layer="incidents", km="50", box="74.5-75.0",
                                     rows="1, 2, 3 and 21,554 more", row="5612", distance="13,487.5",
                                     where="41.68°N, 87.73°W")
    ru = Tr("ru").message(text)
    assert "21\u00a0559 из 21\u00a0559" in ru and "ещё 21\u00a0554" in ru and "13\u00a0487,5 км" in ru, ru
    assert "41.68°N" in ru and "21,559" not in ru
    assert Tr("en").message(text) == text
