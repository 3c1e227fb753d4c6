"""Offence labels as registered -> the platform's categories.

Registries label offences by article or by name, in Russian, Kyrgyz or
English ("Хулиганство (ст. 234 УК КР)", "Уурдоо", "BURGLARY"). A label is
mapped by, in order: the workspace's saved mapping (edited by the user), an
exact category name, then keyword rules; anything else is ``other``. The raw
label is always kept in ``raw_category``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from geo.schema import CATEGORIES

# (category, keyword stems); the first rule with a stem in the label wins, so specific rules come first
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("extremism", ("экстремис", "терроризм", "террорист", "terror", "extremis", "radicali")),
    ("livestock_theft", ("скот", "скота", "мал уурда", "малды", "livestock", "cattle", "sheep",
                         "конокрад")),
    ("domestic_violence", ("семейн", "бытов", "домашн", "үй-бүлө", "үй бүлө", "domestic", "family violence")),
    ("juvenile", ("несовершеннолет", "подрост", "жашы жете элек", "juvenile")),
    ("road_traffic", ("дтп", "дорожно-транспорт", "правил дорожного", "наезд", "жол кырсык", "traffic",
                      "vehicle accident", "crash", "motor vehicle", "dui")),
    ("burglary", ("кража с проникнов", "квартирн", "проникновени", "burglary", "break-in", "үйгө кирип")),
    ("public_order", ("хулиган", "общественн", "порядк", "мелкое хулиганство", "безбилет", "распитие",
                      "коомдук тартип", "бейбаштык", "public peace", "public order", "disorderly", "liquor",
                      "gambling", "prostitution", "public indecency", "interference with public officer",
                      "criminal trespass", "weapons violation", "ст 234")),
)

_SPACE = re.compile(r"[\s.]+")


def _norm(label: str) -> str:
    return _SPACE.sub(" ", str(label).lower().replace("ё", "е")).strip()


def rule_category(label: str | None) -> str:
    """The category a label falls in by the keyword rules (``other`` if none)."""
    if label is None or (not isinstance(label, str) and pd.isna(label)):
        return "other"
    text = _norm(label)
    if text in CATEGORIES:
        return text
    for category, stems in RULES:
        if any(stem in text for stem in stems):
            return category
    return "other"


def categorize(labels: pd.Series, saved: Mapping[str, str] | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Category per row, and the mapping used for each distinct label.

    Returns
    -------
    categories
        Same index as ``labels``.
    mapping
        One row per distinct label: ``raw_label``, ``category``, ``how``
        (``saved``, ``rule`` or ``default``) and ``rows``, largest first;
        the table a user reviews and edits.
    """
    saved = {str(k): v for k, v in (saved or {}).items() if v in CATEGORIES}
    text = labels.astype("string").str.strip()
    counts = text.value_counts(dropna=True)
    rows = []
    for label, n in counts.items():
        if label in saved:
            cat, how = saved[label], "saved"
        else:
            cat = rule_category(label)
            how = "rule" if cat != "other" or _norm(label) == "other" else "default"
        rows.append((label, cat, how, int(n)))
    mapping = pd.DataFrame(rows, columns=["raw_label", "category", "how", "rows"])
    lookup = dict(zip(mapping["raw_label"], mapping["category"], strict=True))
    # through plain objects: an entirely empty column maps to an Arrow double column, which cannot hold "other"
    cats = pd.Series(text.astype(object).map(lookup).to_numpy(dtype=object), index=text.index)
    return cats.where(cats.notna(), "other").astype(str), mapping
