"""Words and numbers of the pack: periods, dates, categories and counts as a reader sees them, in a language.

Every function takes the caller's :class:`geo.i18n.Tr` (``_``): the pack, the
tables and the data files are written in the language of the options.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.i18n import N_, Tr
from geo.categories import CategoryList

__all__ = ["CONFIDENCE", "LISA_WORDS", "categories_text", "category_label", "category_words", "confidence_text",
           "iso", "options_params", "period_text", "rule_text", "some"]

# Confidence of a Gi* bin: the share that the cluster is not chance.
_SHARES = {3: 0.99, 2: 0.95, 1: 0.90}
# In English, as before: what a caller without a language reads.
CONFIDENCE = {3: "99%", 2: "95%", 1: "90%", -1: "90% (cold)", -2: "95% (cold)", -3: "99% (cold)"}
_COLD = N_("{pct} (cold spot)")
# LISA quadrants in words for print (the geo.stats.areas codes are GeoDa's).
LISA_WORDS = {"HH": N_("high, among high"), "LL": N_("low, among low"), "HL": N_("high, among low"),
              "LH": N_("low, among high"), "not significant": N_("not significant"),
              "no neighbours": N_("no neighbours"), "no population": N_("no population")}
_ALL_CATEGORIES = N_("all categories")


def some(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """None for a missing or empty layer: maps and analyses skip it."""
    return frame if frame is not None and len(frame) else None


def confidence_text(_: Tr, gi_bin: int) -> str:
    """A Gi* bin's confidence: ``90 %`` (ru) or ``90%`` (en); cold spots say so."""
    b = int(gi_bin)
    if b == 0:
        return "–"
    if _.lang == "en":
        return CONFIDENCE[b]
    pct = _.pct(_SHARES[abs(b)], 0)
    return pct if b > 0 else _(_COLD, pct=pct)


def iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def period_text(_: Tr, start: dt.date | None, end: dt.date | None, *, long: bool = False) -> str:
    """The period in the language: ``1 января 2017 г. – 31 декабря 2017 г.`` (long) or the medium form."""
    return _.period(start, end, form="long" if long else "medium")


def category_label(_: Tr, category: str | None, *, categories: CategoryList | None = None) -> str:
    """A category's name in the language ("Квартирные кражи"): the workspace's own label, else the catalog's.

    ``categories`` is the workspace's list (the default list when not given); an unknown key is shown as is.
    """
    if category is None:
        return _(_ALL_CATEGORIES)
    return CategoryList.of(categories).label(category, _)


def categories_text(_: Tr, categories: Sequence[str] | None, *, category_list: CategoryList | None = None) -> str:
    if categories is None or set(categories) >= set(CategoryList.of(category_list).keys):
        return _(_ALL_CATEGORIES)
    return ", ".join(category_label(_, c, categories=category_list) for c in categories)


def category_words(_: Tr, text: str, *, categories: CategoryList | None = None) -> str:
    """``"burglary 45%, public_order 30%"`` (coverage_gaps) as ``"Квартирные кражи 45 %, ..."`` in the language."""

    def one(m: re.Match[str]) -> str:
        if m.group(1) == "none":  # incidents without a category: coverage_gaps writes "(none)"
            return _("no category") + (f" {_.pct(int(m.group(2)) / 100, 0)}" if m.group(2) else "")
        label = category_label(_, m.group(1), categories=categories)
        return f"{label} {_.pct(int(m.group(2)) / 100, 0)}" if m.group(2) else label

    return re.sub(r"\(?([a-z0-9_]+)\)?(?:\s+(\d+)%)?", one, str(text))


def rule_text(_: Tr, rule: str) -> str:
    return _("given") if rule == "given" else _("chosen from the data")


def options_params(o: Any) -> dict[str, Any]:
    out = {}
    for name in o.__dataclass_fields__:
        v = getattr(o, name)
        out[name] = (v.isoformat() if isinstance(v, dt.date) else v.to_frame().to_dict("records")
                     if isinstance(v, CategoryList) else list(v) if isinstance(v, tuple)
                     else str(v) if isinstance(v, Path) else v)
    return out
