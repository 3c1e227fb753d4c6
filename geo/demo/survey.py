"""The demo's residents' survey: three questions on a 1-5 scale, answered in every settlement.

Invented, like every demo layer: each settlement's answers lean on its recorded incidents (worry about
burglary rises with its burglary rate, feeling safe after dark falls with its rate of all incidents), with
noise, and one settlement of each municipality feels the reverse of what its records say (Kelechek fears
more than its records give, Kyzyl-Suu less), as the 2017 assessments found perception and records apart.
Small villages get fewer than 30 respondents, so the page shows "too few" there.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.select import assign_units, with_unit_ids

__all__ = ["demo_survey"]

_REVERSED = {"Kelechek": +0.15, "Kyzyl-Suu": -0.15}  # perception apart from the records
_FEW = {"Tamga", "Ak-Terek"}  # fewer than 30 respondents


def demo_survey(layers: dict[str, gpd.GeoDataFrame], *, seed: int) -> pd.DataFrame:
    """One row per respondent and question: ``settlement``, ``question``, ``answer`` (1-5), ``weight``."""
    rng = np.random.default_rng(seed + 0x5EED)
    bounds = with_unit_ids(layers["boundaries"])
    inc = assign_units(layers["incidents"], bounds)
    inc = inc[inc["occurred_at"].dt.year == inc["occurred_at"].dt.year.max()]
    pop = bounds.set_index("unit_id")["population"].astype(float)
    every = inc["unit"].value_counts().reindex(pop.index, fill_value=0) / pop
    burg = inc[inc["category"] == "burglary"]["unit"].value_counts().reindex(pop.index, fill_value=0) / pop

    def rank(x: pd.Series) -> pd.Series:  # 0 (lowest of its municipality) .. 1 (highest)
        area = bounds.set_index("unit_id")["area"]
        return x.groupby(area).rank(pct=True)

    worry, unsafe = rank(burg), rank(every)
    rows = []
    for uid, name in zip(bounds["unit_id"], bounds["name"].astype(str), strict=True):
        n = int(rng.integers(12, 29)) if name in _FEW else int(rng.integers(90, 240))
        shift = _REVERSED.get(name, 0.0)
        p = {"worry_burglary": 0.25 + 0.35 * worry[uid] + shift,
             "safe_after_dark": 0.75 - 0.30 * unsafe[uid] - shift,
             "trust_police": 0.45 + rng.normal(0, 0.05)}
        weights = rng.uniform(0.6, 1.6, size=n).round(2)
        for question, prob in p.items():
            agree = rng.random(n) < float(np.clip(prob + rng.normal(0, 0.04), 0.03, 0.97))
            answers = np.where(agree, rng.integers(4, 6, size=n), rng.integers(1, 4, size=n))
            rows.append(pd.DataFrame({"settlement": name, "question": question, "answer": answers,
                                      "weight": weights}))
    return pd.concat(rows, ignore_index=True)
