"""The platform's languages: Russian, Kyrgyz and English words, numbers and dates.

Every text a person reads (pages, maps, legends, tables, print maps, the
pack) goes through a :class:`Tr`, one per language, made from the gettext
catalogs in ``locale/<lang>/LC_MESSAGES/koopsuz.po`` (Babel extracts, updates
and compiles them; ``make`` compiles them at set-up). Numbers and dates follow
the language's conventions through Babel and CLDR: ``1 341,2`` and
``19 декабря 2017 г.`` in Russian, ``1,341.2`` and ``December 19, 2017`` in
English. Plural forms are the catalog's (three in Russian, two in Kyrgyz).

There is no "current language" in the library: every function that writes
text takes ``lang`` (or a :class:`Tr`) from its caller, so two people using
the app in two languages at once never see each other's words.
"""

from __future__ import annotations

import datetime as dt
import gettext
import math
import os
from pathlib import Path

import pandas as pd
from babel import Locale
from babel import dates as bdates
from babel import numbers as bnumbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from geo.checks import check_choice

__all__ = ["DEFAULT_LANG", "area_names", "DOMAIN", "LANGS", "LANGUAGE_NAMES", "LANG_ENV", "NAME_FIELDS", "N_", "Tr", "locale_dir",
           "incidents_text", "pick_lang", "place_names"]

LANGS = ("ru", "ky", "en")
DEFAULT_LANG = "ru"
LANG_ENV = "KOOPSUZ_LANG"
DOMAIN = "koopsuz"
# Each language named in itself: a person who reads no other finds their own.
LANGUAGE_NAMES = {"ru": "Русский", "ky": "Кыргызча", "en": "English"}
# Where a boundary keeps its name in each language; ``name`` is the name as stored (often Latin script).
NAME_FIELDS = {"ru": "name_ru", "ky": "name_ky", "en": "name"}


def incidents_text(_: Tr, count: int) -> str:
    """``count`` incidents in words, with the language's plural form: "5 происшествий", "5 окуя"."""
    return _.plural("{n} incident", "{n} incidents", count)


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Mark ``message`` for the catalog without translating it now (a constant translated where it is shown)."""
    return message


def place_names(frame: pd.DataFrame, lang: str, *, field: str = "name") -> pd.Series:
    """Each row's place name in ``lang``: ``name_ru`` or ``name_ky`` where present, else ``field`` as stored.

    Parameters
    ----------
    frame : pandas.DataFrame
        Boundaries (or anything with ``name`` and, optionally, ``name_ru``/``name_ky``).
    lang : {"ru", "ky", "en"}
    field : str, default "name"
        The stored name to fall back on.

    Returns
    -------
    pandas.Series
        Strings, same index as ``frame``.
    """
    stored = frame[field].astype(str) if field in frame else pd.Series("", index=frame.index)
    own = NAME_FIELDS[check_choice(lang, LANGS, "lang")]
    if own == field or own not in frame:
        return stored
    local = frame[own].astype("string").str.strip()
    return local.where(local.notna() & (local != ""), stored).astype(str)


def area_names(boundaries: pd.DataFrame, lang: str) -> dict[str, str]:
    """Each area (municipality) as stored in ``area``, named in ``lang`` from ``area_ru``/``area_ky`` where present.

    Parameters
    ----------
    boundaries : pandas.DataFrame
        With an ``area`` column; ``area_ru`` and ``area_ky`` are optional.
    lang : {"ru", "ky", "en"}

    Returns
    -------
    dict
        Stored area -> its name in ``lang`` (the stored name where no translation is given).
    """
    if "area" not in boundaries:
        return {}
    frame = pd.DataFrame({"name": boundaries["area"].astype(str)})
    for code in ("ru", "ky"):
        if f"area_{code}" in boundaries:
            frame[NAME_FIELDS[code]] = boundaries[f"area_{code}"]
    named = place_names(frame, lang)
    return dict(zip(frame["name"], named, strict=True))


def locale_dir() -> Path:
    """The folder of the catalogs: ``KOOPSUZ_LOCALE_DIR``, else ``locale/`` beside ``geo/``."""
    return Path(os.environ.get("KOOPSUZ_LOCALE_DIR") or Path(__file__).resolve().parent.parent / "locale")


def pick_lang(*candidates: str | None) -> str:
    """The first of ``candidates`` that is a platform language, else :data:`DEFAULT_LANG`.

    Each candidate may be a language tag or an HTTP ``Accept-Language`` value
    (``"ky-KG,ky;q=0.9,ru;q=0.8"``): its languages are tried in order of
    preference.

    Parameters
    ----------
    *candidates : str or None
        Most important first: a choice made in the app, the ``KOOPSUZ_LANG``
        setting, the browser's preference.

    Returns
    -------
    str
        One of :data:`LANGS`.
    """
    for c in candidates:
        for tag in _accepted(c or ""):
            base = tag.split("-")[0].split("_")[0].lower()
            if base in LANGS:
                return base
    return DEFAULT_LANG


def _accepted(header: str) -> list[str]:
    weighted = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag:
            weighted.append((-q, i, tag))
    return [tag for _, _, tag in sorted(weighted)]


_ALL_DATES = N_("all dates")


class Tr:
    """The words, numbers and dates of one language.

    Parameters
    ----------
    lang : {"ru", "ky", "en"}

    Examples
    --------
    >>> _ = Tr("ru")
    >>> _("Burglary")
    'Квартирные кражи'
    >>> _.plural("{n} incident", "{n} incidents", 5)
    '5 происшествий'
    >>> _.num(1341.2, 1)
    '1\xa0341,2'

    The translator is named ``_`` wherever text is written, gettext's own
    convention: Babel extracts ``_("...")``, ``_.plural("...", "...", n)``,
    ``_.ctx("context", "...")`` and ``N_("...")`` (see the Makefile).
    """

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        self.lang = check_choice(lang, LANGS, "lang")
        self.locale = Locale.parse(self.lang)
        self._catalog = _load(self.lang)

    def __repr__(self) -> str:
        return f"Tr({self.lang!r})"

    def __call__(self, message: str, /, **values: object) -> str:
        """``message`` in this language, with ``{name}`` fields filled from ``values``."""
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def ctx(self, context: str, message: str, /, **values: object) -> str:
        """``message`` in ``context`` (the same English word with two meanings, e.g. a verb and a noun)."""
        text = self._catalog.pgettext(context, message)
        return text.format(**values) if values else text

    def plural(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """The plural form for ``count``; ``{n}`` is ``count`` formatted for the language."""
        text = self._catalog.ngettext(singular, plural, count)
        return text.format(n=self.int(count), **values)

    def message(self, text: str) -> str:
        """A message the library wrote in English (an error, a rejected row's reason), in this language.

        The library stores its messages in English (a workspace is read by people of every language);
        pages translate them when they show them. Parts joined by "; " are translated one by one; a part
        with no translation is shown as written.
        """
        return "; ".join(self._catalog.gettext(part) if part else part for part in str(text).split("; "))

    # ------------------------------------------------------------------ numbers

    def int(self, value: float | int) -> str:
        """A whole number with the language's grouping: ``1 341`` (ru, ky), ``1,341`` (en); "–" for none."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "–"
        return bnumbers.format_decimal(round(value), format="#,##0", locale=self.locale)

    def num(self, value: float | None, digits: int = 1) -> str:
        """A number with ``digits`` decimals (trailing zeros kept), "–" for none."""
        if value is None or not math.isfinite(float(value)):
            return "–"
        fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return bnumbers.format_decimal(value, format=fmt, locale=self.locale, decimal_quantization=True)

    def pct(self, share: float | None, digits: int = 1) -> str:
        """A share (0.25) as a percentage in the language's form: ``25,0 %`` (ru), ``25.0%`` (en)."""
        if share is None or not math.isfinite(float(share)):
            return "–"
        # the language's own pattern ("#,##0 %" in Russian: a space before the sign), with the digits asked for
        pattern = self.locale.percent_formats[None].pattern
        fmt = pattern.replace("#,##0", "#,##0" + ("." + "0" * digits if digits > 0 else ""), 1)
        return bnumbers.format_percent(share, format=fmt, locale=self.locale, decimal_quantization=True)

    # ------------------------------------------------------------------ dates

    def date(self, day: dt.date, *, form: str = "long") -> str:
        """A date: ``19 декабря 2017 г.`` (ru, long), ``19.12.2017`` (ru, short)."""
        return bdates.format_date(day, format=form, locale=self.locale)

    def month(self, number: int, *, form: str = "wide") -> str:
        """A month's name standing alone (a chart axis, a column): ``январь``, ``Январь``, ``January``."""
        return self.locale.months["stand-alone"][form][number]

    def month_year(self, day: dt.date) -> str:
        """A month of a year: ``декабрь 2017 г.``, ``December 2017``."""
        return bdates.format_skeleton("yMMMM", day, locale=self.locale)

    def weekday(self, number: int, *, form: str = "abbreviated") -> str:
        """A weekday's name, Monday = 0."""
        return self.locale.days["stand-alone"][form][number]

    def period(self, start: dt.date | None, end: dt.date | None, *, form: str = "long") -> str:
        """A period from ``start`` to ``end`` inclusive, or "all dates" for an open one."""
        if start is None or end is None:
            return self(_ALL_DATES)
        return f"{self.date(start, form=form)} – {self.date(end, form=form)}"


def _load(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang``; its ``.po`` source when not compiled yet (or older than it)."""
    folder = locale_dir() / lang / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.is_file():
        # Not compiled at set-up (a plain `python -m geo` from a fresh clone): compile in memory.
        import io

        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        return gettext.GNUTranslations(buf)
    if lang == "en":  # the source language needs no catalog
        return gettext.NullTranslations()
    msg = f"no {lang} catalog at {po}; run `make` (it compiles the catalogs)"
    raise FileNotFoundError(msg)
