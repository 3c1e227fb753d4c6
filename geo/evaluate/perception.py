"""What residents feel: survey answers per settlement, with intervals, set beside the recorded incidents.

The action plans of Bishkek and Jeti-Oguz were built on residents' surveys as well as on registered crime:
where people feel unsafe is not always where crime is recorded. This module is the numeric core:

- :func:`survey_shares`: per settlement and question, the weighted share of respondents who agree (answers
  at or above ``agree_from`` on a Likert scale), its confidence interval and the number of respondents.
  The interval is Wilson's, on Kish's effective sample size ``(Σw)² / Σw²`` so that unequal respondent
  weights widen it as they should (Kish 1965); a settlement with fewer than ``min_respondents`` is marked
  ``too_few`` (the page shows it as such, never a share). Answers already aggregated per settlement (a
  share and a count) are taken as they are, with the count as the sample size.
- :func:`perceived_vs_recorded`: each settlement's class on both axes, high or low against the median of
  the settlements with enough respondents: high worry with low recorded crime, and the reverse, are the
  places a plan should look at twice.

statsmodels has Wilson's interval but not on an effective size nor this bivariate class; both are a few
lines, written here and checked against a direct computation (tests/test_perception.py).
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.stats import norm

from geo.i18n import N_, Tr
from geo.palette import PERCEPTION_COLORS
from geo.select import unit_of

__all__ = ["AGREE_IS_GOOD", "CLASS_LABELS", "CLASSES", "MIN_RESPONDENTS", "QUESTION_LABELS", "SURVEY_TABLE",
           "class_colors", "perceived_vs_recorded",
           "prepare_survey", "question_label", "survey_shares", "wilson"]

SURVEY_TABLE = "survey"  # the workspace's table of survey answers (per respondent, or per settlement)
MIN_RESPONDENTS = 30  # fewer: the share is not shown (its 95% interval would be wider than ±18 points)
CLASSES = ("high_both", "high_perceived", "high_recorded", "low_both")
CLASS_LABELS = {"high_both": N_("Many agree, much recorded crime"),
                "high_perceived": N_("Many agree, little recorded crime"),
                "high_recorded": N_("Few agree, much recorded crime"),
                "low_both": N_("Few agree, little recorded crime"), "": N_("Too few respondents, or no rate")}
# the questions the demo's survey asks (and the assessments of 2017 did); any other key is shown as written
QUESTION_LABELS = {"safe_after_dark": N_("Feel safe walking alone in their area after dark"),
                   "worry_burglary": N_("Worry that their home will be burgled"),
                   "trust_police": N_("Trust the local police")}


# Questions where agreeing is the good news (feeling safe, trusting the police): their worry is "few agree".
AGREE_IS_GOOD = frozenset({"safe_after_dark", "trust_police"})


def class_colors(question: str) -> dict[str, str]:
    """Each class's colour for ``question``: red is always worry with little recorded crime, blue the reverse.

    :data:`geo.palette.PERCEPTION_COLORS` reads "many agree" as worry (as for "worry that their home will be
    burgled"); for a question in :data:`AGREE_IS_GOOD` the scheme is turned round, so that "many feel safe,
    little recorded crime" is the light colour, not the alarm.
    """
    c = dict(PERCEPTION_COLORS)
    if question not in AGREE_IS_GOOD:
        return c
    return {"high_both": c["high_recorded"], "high_perceived": c["low_both"], "high_recorded": c["high_both"],
            "low_both": c["high_perceived"], "": c[""]}


def question_label(key: str, _: Tr) -> str:
    """A question's words in the reader's language (its key as written when the platform does not know it)."""
    return _(QUESTION_LABELS[key]) if key in QUESTION_LABELS else str(key)


def wilson(share: np.ndarray, n: np.ndarray, *, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval for a proportion ``share`` of ``n`` (arrays; ``n`` may be fractional)."""
    z = float(norm.ppf(1 - alpha / 2))
    share, n = np.asarray(share, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (share + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def survey_shares(responses: pd.DataFrame, *, agree_from: int = 4, min_respondents: int = MIN_RESPONDENTS,
                  alpha: float = 0.05) -> pd.DataFrame:
    """The weighted share agreeing, per settlement and question, with its interval and respondents.

    Parameters
    ----------
    responses : pandas.DataFrame
        Either one row per respondent and question: ``settlement``, ``question``, ``answer`` (a Likert
        score) and optionally ``weight`` (default 1); or one row per settlement and question, already
        aggregated: ``settlement``, ``question``, ``share`` (0 to 1) and ``respondents``.
    agree_from : int
        The lowest answer that counts as agreeing (4 on a 1-5 scale: "agree" and "strongly agree").
    min_respondents : int
        Fewer respondents: ``too_few`` is true and the share is not to be shown.
    alpha : float
        1 - the confidence of the interval.

    Returns
    -------
    pandas.DataFrame
        ``settlement``, ``question``, ``respondents``, ``effective_n``, ``share``, ``low``, ``high``,
        ``too_few``, sorted by question and settlement.

    Raises
    ------
    ValueError
        Missing columns, an answer or weight that is not a number, a negative weight or a share outside 0-1.
    """
    if {"share", "respondents"} <= set(responses.columns):
        need = {"settlement", "question", "share", "respondents"}
        _require(responses, need)
        out = responses[list(need)].copy()
        out["share"] = pd.to_numeric(out["share"], errors="coerce")
        out["respondents"] = pd.to_numeric(out["respondents"], errors="coerce")
        bad = (out["share"].isna() | ~out["share"].between(0, 1) | out["respondents"].isna()
               | (out["respondents"] < 0))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            msg = f"row {row}: share must lie between 0 and 1 and respondents be 0 or more"
            raise ValueError(msg)
        out["effective_n"] = out["respondents"].astype(float)
    else:
        _require(responses, {"settlement", "question", "answer"})
        frame = responses.copy()
        frame["answer"] = pd.to_numeric(frame["answer"], errors="coerce")
        frame["weight"] = pd.to_numeric(frame["weight"], errors="coerce") if "weight" in frame else 1.0
        bad = frame["answer"].isna() | frame["weight"].isna() | (frame["weight"] < 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            msg = f"row {row}: the answer and the weight must be numbers, the weight 0 or more"
            raise ValueError(msg)
        frame["agree_w"] = frame["weight"] * (frame["answer"] >= agree_from)
        frame["w2"] = frame["weight"] ** 2
        g = frame.groupby(["settlement", "question"], sort=True)
        out = g.agg(respondents=("answer", "size"), w=("weight", "sum"), w2=("w2", "sum"),
                    agree=("agree_w", "sum")).reset_index()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["share"] = out["agree"] / out["w"]
            out["effective_n"] = out["w"] ** 2 / out["w2"]
        out = out.drop(columns=["w", "w2", "agree"])
    out["respondents"] = out["respondents"].astype(int)
    out["low"], out["high"] = wilson(out["share"].to_numpy(), out["effective_n"].to_numpy(), alpha=alpha)
    out["too_few"] = out["respondents"] < min_respondents
    cols = ["settlement", "question", "respondents", "effective_n", "share", "low", "high", "too_few"]
    return out[cols].sort_values(["question", "settlement"]).reset_index(drop=True)


def perceived_vs_recorded(shares: pd.DataFrame, rates: pd.Series) -> pd.DataFrame:
    """Each settlement's class: its share (one question) and its recorded rate, each high or low.

    Parameters
    ----------
    shares : pandas.DataFrame
        :func:`survey_shares` rows of one question (``settlement``, ``share``, ``too_few``).
    rates : pandas.Series
        Recorded incidents per 100,000 residents a year, indexed by settlement.

    Returns
    -------
    pandas.DataFrame
        ``settlement``, ``share``, ``rate``, ``class`` (one of :data:`CLASSES`, or ``""`` where the survey has
        too few respondents or the settlement no rate). High means above the median of the settlements with
        both numbers; the medians are in ``attrs["medians"]``.
    """
    frame = shares[["settlement", "share", "too_few"]].merge(
        rates.rename("rate").rename_axis("settlement").reset_index(), on="settlement", how="left")
    ok = ~frame["too_few"] & frame["share"].notna() & frame["rate"].notna()
    classes = np.full(len(frame), "", dtype=object)
    if ok.any():
        m_share, m_rate = frame.loc[ok, "share"].median(), frame.loc[ok, "rate"].median()
        hi_p, hi_r = frame["share"] > m_share, frame["rate"] > m_rate
        pick = np.select([hi_p & hi_r, hi_p & ~hi_r, ~hi_p & hi_r], list(CLASSES[:3]), CLASSES[3])
        classes[ok.to_numpy()] = pick[ok.to_numpy()]
        frame.attrs["medians"] = {"share": float(m_share), "rate": float(m_rate)}
    frame["class"] = classes
    return frame.drop(columns=["too_few"])


def _require(frame: pd.DataFrame, columns: set[str]) -> None:
    missing = sorted(columns - set(frame.columns))
    if missing:
        msg = f"the survey has no column {', '.join(missing)}"
        raise ValueError(msg)


# the headers a survey export may use, lower-cased, for each column the platform reads
_HEADERS = {
    "settlement": ("settlement", "населенный пункт", "населённый пункт", "нп", "калктуу конуш", "village", "district"),
    "question": ("question", "вопрос", "суроо"),
    "answer": ("answer", "ответ", "жооп", "score"),
    "weight": ("weight", "вес", "салмак"),
    "share": ("share", "доля", "үлүш"),
    "respondents": ("respondents", "респонденты", "число респондентов", "респонденттер"),
    "lon": ("lon", "longitude", "lng", "долгота", "узундук"),
    "lat": ("lat", "latitude", "широта", "кеңдик"),
}
MAX_SCALE = 10  # the longest Likert scale read (1 to 10)


def prepare_survey(frame: pd.DataFrame, *, settlements: set[str], source: str,
                   boundaries: gpd.GeoDataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A survey file's rows checked: (accepted in the platform's columns, rejected with ``row`` and ``reason``).

    ``frame`` is the file's table as read (text cells; its index the file's data row numbers); ``settlements``
    the boundaries' names. A respondent may be given by a location instead of a settlement (``lon`` and ``lat``
    in degrees, WGS84) when ``boundaries`` are given: the row then gets the settlement its point lies in
    (:func:`geo.select.unit_of`, the platform's one point-in-unit rule), and an accepted row keeps only that
    settlement, not the point: no respondent's home is stored with the answers. A row is rejected, never dropped silently, for a settlement the boundaries
    do not have, a location that is not a pair of numbers or lies outside every settlement, an empty question, an answer that is not a whole number from 1 to 10, a weight that is not a number
    of 0 or more, or (aggregated files) a share outside 0-1 or a count that is not a whole number.

    Raises
    ------
    ValueError
        The file has neither answers (``settlement``, ``question``, ``answer``) nor shares (``settlement``,
        ``question``, ``share``, ``respondents``): the message names the file and the columns it lacks.
    """
    lower = {str(c).strip().lower(): c for c in frame.columns}
    found = {key: next((lower[h] for h in names if h in lower), None) for key, names in _HEADERS.items()}
    aggregated = found["share"] is not None and found["respondents"] is not None
    located = (found["settlement"] is None and found["lon"] is not None and found["lat"] is not None
               and boundaries is not None and not aggregated)
    need = ["question", *(["share", "respondents"] if aggregated else ["answer"])]
    if not located:
        need.insert(0, "settlement")
    missing = [k for k in need if found[k] is None]
    if missing:
        msg = (f"{source}: the survey has no column {', '.join(missing)} (a settlement, a question and an answer "
               "per row, or a share and the respondents per settlement)")
        raise ValueError(msg)
    keep = [k for k in ("settlement", "question", "answer", "weight", "share", "respondents")
            if found[k] is not None]
    out = pd.DataFrame({k: frame[found[k]] for k in keep}, index=frame.index)
    reasons = pd.Series("", index=out.index, dtype=object)

    def reject(mask: pd.Series, reason: str) -> None:
        reasons[mask & (reasons == "")] = reason

    if located:
        out["settlement"] = _settlement_of(frame[found["lon"]], frame[found["lat"]], boundaries, reject)
    out["settlement"] = out["settlement"].astype("string").str.strip()
    out["question"] = out["question"].astype("string").str.strip()
    reject(~out["settlement"].isin(settlements), N_("settlement not in the boundaries"))
    reject(out["question"].fillna("") == "", N_("no question"))
    if aggregated:
        share = pd.to_numeric(out["share"].astype("string").str.replace(",", ".", regex=False), errors="coerce")
        share = share.where(share <= 1, share / 100)  # 45 means 45 %
        n = pd.to_numeric(out["respondents"], errors="coerce")
        reject(share.isna() | (share < 0) | (share > 1), N_("share not between 0 and 1 (or 0 and 100 %)"))
        reject(n.isna() | (n < 0) | (n != n.round()), N_("respondents not a whole number of 0 or more"))
        out["share"], out["respondents"] = share, n
    else:
        answer = pd.to_numeric(out["answer"], errors="coerce")
        reject(answer.isna() | (answer < 1) | (answer > MAX_SCALE) | (answer != answer.round()),
               N_("answer not a whole number from 1 to 10"))  # MAX_SCALE
        out["answer"] = answer
        if "weight" in out:
            weight = pd.to_numeric(out["weight"].astype("string").str.replace(",", ".", regex=False),
                                   errors="coerce")
            reject(weight.isna() | (weight < 0), N_("weight not a number of 0 or more"))
            out["weight"] = weight
        else:
            out["weight"] = 1.0
    bad = reasons != ""
    rejected = frame[bad].astype(str).assign(row=frame.index[bad], reason=reasons[bad].to_numpy())
    accepted = out[~bad].reset_index(drop=True)
    accepted["settlement"] = accepted["settlement"].astype(str)
    accepted["question"] = accepted["question"].astype(str)
    return accepted, rejected.reset_index(drop=True)


def _settlement_of(lon: pd.Series, lat: pd.Series, boundaries: gpd.GeoDataFrame,
                   reject: Callable[[pd.Series, str], None]) -> pd.Series:
    """Each respondent's settlement from a location in degrees; rows without one rejected with the reason."""
    x = pd.to_numeric(lon.astype("string").str.replace(",", ".", regex=False), errors="coerce")
    y = pd.to_numeric(lat.astype("string").str.replace(",", ".", regex=False), errors="coerce")
    bad = x.isna() | y.isna() | (x.abs() > 180) | (y.abs() > 90)
    reject(bad, N_("location not a longitude and latitude in degrees"))
    points = gpd.GeoSeries(gpd.points_from_xy(x.where(~bad, 0.0), y.where(~bad, 0.0)), index=lon.index,
                           crs="EPSG:4326")
    where = unit_of(points, boundaries)
    names = boundaries["name"].astype(str).to_numpy()
    reject(~bad & (where < 0), N_("location outside every settlement"))
    return pd.Series([names[i] if i >= 0 and not b else pd.NA for i, b in zip(where, bad, strict=True)],
                     index=lon.index, dtype="string")
