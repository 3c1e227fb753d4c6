"""What residents feel beside what is recorded: the table the page and the pack print, one function.

For one survey question: each settlement's respondents, the share agreeing with its interval (or "too
few respondents"), the recorded rate of the study's incidents per 100,000 residents a year, and the
reading of the two together (:func:`geo.evaluate.perception.perceived_vs_recorded`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.evaluate.perception import CLASS_LABELS, perceived_vs_recorded, question_label
from geo.i18n import Tr, place_names
from geo.stats.rates import unit_rates

__all__ = ["perception_frame", "perception_table"]


def perception_frame(shares: pd.DataFrame, question: str, incidents: gpd.GeoDataFrame, units: gpd.GeoDataFrame,
                     *, days: int | None, min_count: int = 0) -> gpd.GeoDataFrame:
    """The settlements (``units``, with their geometry) with the question's survey numbers and recorded rate.

    ``incidents`` carry ``unit`` (:func:`geo.select.assign_units`); ``days`` is the period's length (rates per
    year). Columns added: ``respondents``, ``share``, ``low``, ``high``, ``too_few``, ``rate``, ``class``.
    ``min_count`` (a viewer's, :mod:`geo.privacy`): a rate made of 1 to ``min_count - 1`` incidents is withheld,
    since with the population it gives the count back.
    """
    counted = unit_rates(incidents, units, days=days).set_index(units["name"].astype(str))
    rates = counted["rate"].mask((counted["count"] > 0) & (counted["count"] < min_count))
    mine = shares[shares["question"] == question]
    classes = perceived_vs_recorded(mine, rates).set_index("settlement")
    out = units.copy()
    names = out["name"].astype(str)
    by_name = mine.set_index("settlement")
    for column in ("respondents", "share", "low", "high", "too_few"):
        out[column] = names.map(by_name[column]) if len(by_name) else np.nan
    out["respondents"] = out["respondents"].fillna(0).astype(int)
    out["too_few"] = out["too_few"].astype("boolean").fillna(True).astype(bool)
    out["rate"] = names.map(rates).to_numpy()
    out["class"] = names.map(classes["class"]).fillna("").to_numpy() if len(classes) else ""
    out.attrs["medians"] = classes.attrs.get("medians", {})
    out.attrs["question"] = question
    return out


def perception_table(frame: gpd.GeoDataFrame, *, lang: str = "en") -> pd.DataFrame:
    """:func:`perception_frame` as the reader's table: words, percentages and "too few" where it applies."""
    _ = Tr(lang)
    few = frame["too_few"].to_numpy()

    def pct(x: float) -> str:
        return _.pct(x, 0)

    agree = [_("too few respondents") if f else pct(s) for f, s in zip(few, frame["share"], strict=True)]
    interval = ["" if f else _("{low} to {high}", low=pct(lo), high=pct(hi))
                for f, lo, hi in zip(few, frame["low"], frame["high"], strict=True)]
    rate = ["–" if r != r else _.int(round(r)) for r in frame["rate"]]
    return pd.DataFrame({
        _("Settlement"): place_names(frame, lang).to_numpy(),
        _("Respondents"): frame["respondents"].to_numpy(),
        _("Agree: {question}", question=question_label(frame.attrs.get("question", ""), _)): agree,
        _("Interval (95%)"): interval,
        _("Recorded incidents per 100,000 residents a year"): rate,
        _("Reading"): [_(CLASS_LABELS.get(c, CLASS_LABELS[""])) for c in frame["class"]],
    })
