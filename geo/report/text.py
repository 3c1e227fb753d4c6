"""Words and numbers of the pack: periods, dates, categories and counts as a reader sees them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from geo.schema import CATEGORIES, CATEGORY_LABELS

__all__ = ["CONFIDENCE", "LISA_WORDS", "categories_text", "category_words", "count_text", "iso", "long_date",
           "options_params", "period_text", "rule_text", "some"]

CONFIDENCE = {3: "99%", 2: "95%", 1: "90%", -1: "90% (cold)", -2: "95% (cold)", -3: "99% (cold)"}
# LISA quadrants in words for print (the geo.stats.areas codes are GeoDa's).
LISA_WORDS = {"HH": "high, among high", "LL": "low, among low", "HL": "high, among low", "LH": "low, among high"}


def some(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """None for a missing or empty layer: maps and analyses skip it."""
    return frame if frame is not None and len(frame) else None


def count_text(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def long_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def period_text(start: dt.date | None, end: dt.date | None, *, long: bool = False) -> str:
    if start is None or end is None:
        return "all dates"
    fmt = long_date if long else (lambda d: f"{d.day} {d:%b %Y}")
    return f"{fmt(start)} – {fmt(end)}"


def categories_text(categories: Sequence[str] | None) -> str:
    if categories is None or set(categories) >= set(CATEGORIES):
        return "all categories"
    return ", ".join(CATEGORY_LABELS.get(c, c) for c in categories)


def category_words(text: str) -> str:
    """``"burglary 45%, public_order 30%"`` (coverage_gaps) as ``"Burglary 45%, Public order 30%"``."""
    return re.sub(r"[a-z_]+", lambda m: CATEGORY_LABELS.get(m.group(0), m.group(0)), text)


def rule_text(rule: str) -> str:
    return "given" if rule == "given" else "chosen from the data"


def options_params(o: Any) -> dict[str, Any]:
    out = {}
    for name in o.__dataclass_fields__:
        v = getattr(o, name)
        out[name] = (v.isoformat() if isinstance(v, dt.date) else list(v) if isinstance(v, tuple)
                     else str(v) if isinstance(v, Path) else v)
    return out
