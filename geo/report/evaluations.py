"""The pack's "Did it work?" pages: each intervention of the study area evaluated as the page does it.

For every intervention of the workspace that lies in the study's settlements, :func:`geo.evaluate.evaluate`
with the page's defaults (the intervention's own target categories, a proposed control, the longest
periods up to a year that the data hold), written with :func:`geo.evaluate.paragraphs`: the same sentences
the page and the command line print. One that cannot be evaluated gets its page too, saying why. A viewer's
pack has none: its points are masked, moved by up to hundreds of metres, so counts in a treated area of a
few streets would be wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from geo.evaluate import Evaluation, evaluate, index_series, paragraphs, question
from geo.content import MapContent
from geo.evaluate.perception import (CLASS_LABELS, CLASSES, MIN_RESPONDENTS, SURVEY_TABLE, class_colors, question_label,
                                     survey_shares)
from geo.i18n import Tr, place_names
from geo.plain import plain
from geo.palette import EVALUATION_COLORS, EVALUATION_LABELS
from geo.report.options import MapView
from geo.report.perception import perception_frame, perception_table
from geo.report.study import PackStudy

__all__ = ["Judged", "evaluation_chart", "evaluation_texts", "perception_specs", "perception_views"]


@dataclass(frozen=True)
class Judged:
    """One intervention's pages: its title, the verdict's paragraphs and, when it could be evaluated, its chart."""

    title: str
    paragraphs: list[str]
    chart: dict = field(default_factory=dict)  # keyword arguments of geo.printmap.line_chart_figure, or empty


def evaluation_chart(ev: Evaluation, *, title: str, tr: Tr) -> dict:
    """The pack's chart of an evaluation: the page's chart (:func:`geo.evaluate.index_series`), drawn on paper.

    Keyword arguments of :func:`geo.printmap.charts.line_chart_figure`: a line per area (treated, ring,
    control) of its monthly index against its average before the start, the start's month marked.
    """
    _ = tr
    frame = index_series(ev)
    months = list(dict.fromkeys(frame["month"]))
    lines = {}
    for role in dict.fromkeys(frame["role"]):
        part = frame[frame["role"] == role].set_index("month")["index"]
        lines[_(EVALUATION_LABELS[role])] = ([None if pd.isna(part.get(m)) else float(part[m]) for m in months],
                                            EVALUATION_COLORS[role])
    start = pd.Timestamp(ev.periods.after_start)
    mark = next((i for i, m in enumerate(months) if m >= start), None)
    return {"title": _("{title}: incidents per month", title=title), "x_labels": [_.month_year(m.date()) for m in months],
            "lines": lines, "y_label": _("Index (average before = 100)"), "mark": mark,
            "mark_label": _("The start"),
            "note": _("Each area's incidents per month against its own monthly average before the start (= 100): "
                      "areas of any size on one scale. The dashed line is the month the intervention started.")}


def evaluation_texts(layers: Mapping[str, gpd.GeoDataFrame], s: PackStudy) -> list[Judged]:
    """Each intervention in the study's settlements judged, in the pack's language: its text and its chart."""
    acts = layers.get("interventions")
    # a viewer's pack (min_count) is made of masked points: counts in small areas would be wrong, so none
    if acts is None or acts.empty or s.units.empty or s.options.min_count:
        return []
    _ = s.tr
    area = shapely.union_all(s.units.to_crs(acts.crs).geometry.to_numpy())
    acts = acts[acts.intersects(area) & acts["started"].notna()]
    own = {"ru": "name_ru", "ky": "name_ky"}.get(_.lang)
    incidents = layers["incidents"]
    names = dict(zip(s.units["name"].astype(str), place_names(s.units, _.lang), strict=True))
    keys = set(s.options.category_list.keys) if s.options.category_list is not None else None
    out = []
    for act in acts.itertuples():
        name = str(act.name)
        if own and isinstance(getattr(act, own, None), str) and getattr(act, own).strip():
            name = getattr(act, own)
        targets = [c.strip() for c in str(act.categories or "").split(",") if c.strip()]
        if keys is not None:
            targets = [c for c in targets if c in keys]
        started = pd.Timestamp(act.started).date()
        try:
            ev = evaluate(incidents, act.geometry, started, boundaries=s.units, geometry_crs=acts.crs,
                          categories=targets or None, others=acts[acts["name"].astype(str) != str(act.name)])
        except ValueError as exc:
            out.append(Judged(question(name, lang=_.lang),
                              [_("This intervention cannot be evaluated: {reason}", reason=_.message(str(exc)))]))
            continue
        title = question(name, lang=_.lang)
        out.append(Judged(title, paragraphs(ev, started=started, lang=_.lang, names=names),
                          evaluation_chart(ev, title=name, tr=_)))
    return out


def _perception_frames(layers: Mapping[str, gpd.GeoDataFrame], s: PackStudy) -> list[gpd.GeoDataFrame]:
    """:func:`geo.report.perception.perception_frame` per survey question, in key order; none for a viewer.

    An analyst's pack only, as the "Did it work?" pages: a viewer's incidents are masked, so their counts per
    settlement would not be the recorded ones the rates must come from.
    """
    survey = layers.get(SURVEY_TABLE)
    if survey is None or len(survey) == 0 or s.units.empty or s.options.min_count:
        return []
    shares = survey_shares(survey)
    days = (s.options.end - s.options.start).days + 1 if s.options.start and s.options.end else None
    return [perception_frame(shares, key, s.incidents, s.units, days=days) for key in sorted(shares["question"].unique())]


def perception_specs(layers: Mapping[str, gpd.GeoDataFrame], s: PackStudy) -> list[tuple[str, pd.DataFrame, str]]:
    """(title, table, note) per survey question: what residents feel beside the recorded incidents, as the page."""
    _ = s.tr
    out = []
    for frame in _perception_frames(layers, s):
        note = _("Share of respondents who agree (answers 4 or 5 of 5), weighted, with its interval (95%); fewer "
                 "than {n} respondents are not shown. Recorded: the pack's incidents per 100,000 residents a year. "
                 "High and low: above or below the middle settlement.", n=_.int(MIN_RESPONDENTS))
        out.append((_("What residents feel: {question}", question=question_label(frame.attrs["question"], _)),
                    perception_table(frame, lang=_.lang), note))
    return out


def perception_views(layers: Mapping[str, gpd.GeoDataFrame], s: PackStudy) -> list[MapView]:
    """A map per survey question: each settlement in its class of perceived against recorded, as the page's map.

    The classes and colours are the page's (:data:`geo.evaluate.perception.CLASS_LABELS`,
    :func:`geo.evaluate.perception.class_colors`); the numbers behind them are the pack's table of the same question.
    """
    _ = s.tr
    views = []
    for frame in _perception_frames(layers, s):
        key = str(frame.attrs["question"])
        medians = frame.attrs.get("medians", {})
        content = MapContent(boundaries=s.units, classes=frame[["name", "class", "geometry"]],
                             class_colors=class_colors(key),
                             class_labels={c: CLASS_LABELS[c] for c in (*CLASSES, "")},
                             class_title=_("What residents feel and what is recorded"),
                             label_field=s.options.labels)
        reading = _("Each settlement is coloured by two things at once: how many of its respondents agree "
                    "(above or below the middle settlement) and how many incidents are recorded per 100,000 "
                    "residents a year (above or below the middle settlement). Where many agree with little "
                    "recorded crime, or the reverse, look twice: fear and records disagree there. Red: worry with "
                    "little recorded crime; blue: much recorded crime with little worry. Grey: too few "
                    "respondents, or no rate.")
        params = {"question": key, "settlements": int(len(frame)),
                  "classified": int((frame["class"] != "").sum()), "min_respondents": MIN_RESPONDENTS,
                  "median_share": plain(medians.get("share")), "median_rate": plain(medians.get("rate")),
                  "classes": {c: int((frame["class"] == c).sum()) for c in CLASSES}}
        views.append(MapView(kind="perception", category=key, content=content,
                             title=_("What residents feel and what is recorded: {question}",
                                     question=question_label(key, _)),
                             subtitle=s.subtitle(), params=params, tables={}, reading=reading,
                             lang=_.lang))
    return views

