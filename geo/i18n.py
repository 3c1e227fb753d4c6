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
import re
from pathlib import Path

import pandas as pd
from babel import Locale
from babel import dates as bdates
from babel import numbers as bnumbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from geo.checks import check_choice
from geo.messages import COUNTS, FRAGMENT_FIELDS, FRAGMENTS, N_, NESTED, TEMPLATES, VERBATIM

__all__ = ["DEFAULT_LANG", "area_names", "DOMAIN", "LANGS", "LANGUAGE_NAMES", "LANG_ENV", "NAME_FIELDS", "N_", "Tr", "locale_dir", "markdown_escape",
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

    def __init__(self, lang: str = DEFAULT_LANG, *, markdown: bool = False) -> None:
        self.lang = check_choice(lang, LANGS, "lang")
        self.locale = Locale.parse(self.lang)
        self.markdown = bool(markdown)
        self._catalog = _load(self.lang)

    def __repr__(self) -> str:
        return f"Tr({self.lang!r}, markdown=True)" if self.markdown else f"Tr({self.lang!r})"

    def __call__(self, message: str, /, **values: object) -> str:
        """``message`` in this language, with ``{name}`` fields filled from ``values``."""
        text = self._catalog.gettext(message)
        return _fill(text, self._safe(values))

    def ctx(self, context: str, message: str, /, **values: object) -> str:
        """``message`` in ``context`` (the same English word with two meanings, e.g. a verb and a noun)."""
        text = self._catalog.pgettext(context, message)
        return _fill(text, self._safe(values))

    def plural(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """The plural form for ``count``; ``{n}`` is ``count`` formatted for the language."""
        text = self._catalog.ngettext(singular, plural, count)
        return _fill(text, {"n": self.int(count), **self._safe(values)})

    def _safe(self, values: dict[str, object]) -> dict[str, object]:
        """With ``markdown``, the fields' text escaped: a name written as Markdown stays text on the page."""
        if not self.markdown:
            return values
        return {k: markdown_escape(v) if isinstance(v, str) else v for k, v in values.items()}

    def message(self, text: str) -> str:
        """A message the library wrote in English (an error, a rejected row's reason), in this language.

        The library stores its messages in English (a workspace is read by people of every language);
        pages translate them when they show them. The message is matched against the library's
        templates (:data:`geo.messages.TEMPLATES`, the most specific first): the template is
        translated and its fields put back, the fields that are library words or messages translated
        too, the user's own values (:data:`geo.messages.VERBATIM`) and numbers as written. Parts
        joined by "; " that no template covers whole are translated one by one; a part no template
        matches is shown as written.

        Examples
        --------
        >>> Tr("ru").message("date '31.02.2024' does not exist (February 2024 has 29 days)")
        "даты '31.02.2024' не существует (в месяце февраль 2024 года 29 дн.)"
        """
        text = str(text)
        if self.lang == "en" or not text:
            return markdown_escape(text) if self.markdown else text
        out = self._message(text, 0, False)
        # library messages are plain text with the user's values in them: shown on a page, all of it is text
        return markdown_escape(out) if self.markdown else out

    def messages(self, values: pd.Series) -> pd.Series:
        """:meth:`message` over a column (rejected rows' reasons): each distinct text translated once."""
        if self.lang == "en":
            return values.copy()
        distinct = pd.unique(values.dropna())
        return values.map({v: self.message(v) for v in distinct})

    def _message(self, text: str, depth: int, fragments: bool) -> str:
        whole = self._one(text, depth, fragments)
        if whole is not None:
            return whole
        pieces = text.split("; ")
        if len(pieces) == 1:
            return text
        out, i, n = [], 0, len(pieces)
        longest = n - 1 if n <= _MAX_PIECES else 1  # the whole was tried; many pieces: one at a time
        while i < n:
            for j in range(min(n, i + longest), i, -1):  # the longest run of pieces one template covers
                got = self._one("; ".join(pieces[i:j]), depth, fragments)
                if got is not None:
                    out.append(got)
                    i = j
                    break
            else:
                out.append(pieces[i])
                i += 1
        return "; ".join(out)

    def _date_form(self, form: str) -> str:
        """A date's written form ("dd.mm.yyyy") in the letters of the language ("ДД.ММ.ГГГГ")."""
        letters = _FORM_LETTERS.get(self.lang)
        return form.upper().translate(str.maketrans(letters)) if letters else form

    def _one(self, text: str, depth: int, fragments: bool) -> str | None:
        """``text`` translated if a catalog entry or one template covers it whole, else None."""
        own = self._catalog.gettext(text)
        if own != text:
            return own
        best, unknown = None, math.inf
        for template, pattern, key, fragment in _PATTERNS:
            if (fragments or not fragment) and key in text and (m := pattern.fullmatch(text)) is not None:
                values, left = {}, 0
                for k, v in m.groupdict().items():
                    if k not in VERBATIM and _GROUPED.fullmatch(v):
                        values[k] = self._grouped(v)
                    elif k in VERBATIM or depth >= _MAX_DEPTH or _AS_WRITTEN.fullmatch(v):
                        values[k] = v
                    elif _DATE_FORM.fullmatch(v):
                        values[k] = self._date_form(v)
                    else:
                        values[k] = self._message(v, depth + 1, k in FRAGMENT_FIELDS)
                        left += values[k] == v and _WORDY.search(v) is not None
                if not left:  # every field read: the most specific template that reads the text whole
                    return self._catalog.gettext(template).format(**values)
                if left < unknown:  # a field no template reads: perhaps a less specific template splits better
                    best, unknown = self._catalog.gettext(template).format(**values), left
        return best

    def _grouped(self, value: str) -> str:
        """A number the library wrote with English grouping ("21,559", "13,487.5") as the language writes it."""
        whole, _dot, decimals = value.partition(".")
        number = float(whole.replace(",", "") + ("." + decimals if decimals else ""))
        return self.num(number, len(decimals)) if decimals else self.int(number)

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


def _patterns(templates: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str], str, bool], ...]:
    """Each template with fields as (template, pattern, its longest fixed piece), the most specific first.

    ``{field}`` becomes a lazy group that does not cross "; " unless the field holds a whole message
    (:data:`geo.messages.NESTED`); a repeated field must repeat its text; the fixed text is
    matched exactly. More fixed text is more specific; on a tie, fewer of the user's own fields
    (so "{field}: {error}" is tried before "{file}: {message}").
    """
    import string

    out = []
    for t in templates:
        parsed = list(string.Formatter().parse(t))
        names = [f for _l, f, _s, _c in parsed if f is not None]
        if not names:
            continue  # a plain word or sentence: the catalog finds it as it is
        regex, seen, fixed = [], set(), []
        for literal, name, _spec, _conv in parsed:
            regex.append(re.escape(literal))
            fixed.append(literal)
            if name is not None:
                # only a field that holds a whole message may hold "; " (which joins messages)
                body = ".*?" if name in NESTED else _COUNT if name in COUNTS else "(?:(?!; ).)*?"
                regex.append(f"(?P={name})" if name in seen else f"(?P<{name}>{body})")
                seen.add(name)
        rank = (-sum(map(len, fixed)), sum(n in VERBATIM for n in names), t)
        out.append((rank, t, re.compile("".join(regex), re.DOTALL), max(fixed, key=len)))
    return tuple((t, p, key, t in FRAGMENTS) for _r, t, p, key in sorted(out))


_COUNT = r"(?:[\d\s.,\u00a0\u202f+\-\u2212]|N)+?"  # a count or a row number as written ("N" in a reason's kind)
# Compiled once at import from the immutable template list: matching a column of reasons compiles nothing.
_PATTERNS = _patterns(TEMPLATES)
_MAX_DEPTH = 5  # messages inside messages (a reason counted in an import's summary), no deeper
_MAX_PIECES = 12  # beyond this many "; " pieces, each is translated alone
_DATE_FORM = re.compile(r"(?:dd|mm|yy|yyyy)(?:[./\- ](?:dd|mm|yy|yyyy)){2}")  # a date's written form
_FORM_LETTERS = {"ru": {"D": "Д", "M": "М", "Y": "Г"}, "ky": {"D": "К", "M": "А", "Y": "Ж"}}
_WORDY = re.compile(r"[^\W\d_]{2,}")  # a field value with a word in it (not a number, not a symbol)
# a number the library formatted with English grouping (f"{n:,}"): at least one comma group, so a user's
# "41.68" or "1,5" is never taken for one
_GROUPED = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_AS_WRITTEN = re.compile(r"[\d\s.,:+\-\u2212%°]*|N")  # numbers (and nothing, and "N") stay as written


# What Streamlit's Markdown would act on in a value: links and images ([..](..), <http..>), colour and icon
# directives (:red[..]), code spans and LaTeX ($..$). A backslash before each makes it plain text; the
# rest (* _ #) only changes emphasis, and escaping it would show backslashes in a file name.
_MARKDOWN_ACTIVE = re.compile(r"([\\\[\]`$<>])")


def markdown_escape(text: str) -> str:
    """``text`` with the characters that Markdown would turn into a link, image, code or formula escaped.

    Examples
    --------
    >>> markdown_escape("![a](http://host/x.png)")
    '!\\[a\\](http://host/x.png)'
    """
    return _MARKDOWN_ACTIVE.sub(r"\\\1", str(text))


def _fill(text: str, values: dict[str, object]) -> str:
    """``text`` with its ``{fields}`` filled; a field that ends a sentence with its own full stop gets no second.

    A Russian date ends in "г." ("31 декабря 2017 г."): "Период: {period}." must not print "г..".
    """
    if not values:
        return text
    for key, value in values.items():
        if isinstance(value, str) and value.endswith("."):
            text = text.replace("{" + key + "}.", "{" + key + "}")
    return text.format(**values)


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
