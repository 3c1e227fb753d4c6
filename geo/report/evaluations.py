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

import geopandas as gpd
import pandas as pd
import shapely

from geo.evaluate import evaluate, paragraphs, question
from geo.evaluate.perception import MIN_RESPONDENTS, SURVEY_TABLE, question_label, survey_shares
from geo.i18n import place_names
from geo.report.perception import perception_frame, perception_table
from geo.report.study import PackStudy

__all__ = ["evaluation_texts", "perception_specs"]


def evaluation_texts(layers: Mapping[str, gpd.GeoDataFrame], s: PackStudy) -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of each intervention in the study's settlements, in the pack's language."""
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
                          categories=targets or None)
        except ValueError as exc:
            out.append((question(name, lang=_.lang),
                        [_("This intervention cannot be evaluated: {reason}", reason=_.message(str(exc)))]))
            continue
        out.append((question(name, lang=_.lang), paragraphs(ev, started=started, lang=_.lang, names=names)))
    return out


def perception_specs(layers: Mapping[str, gpd.GeoDataFrame], s: PackStudy) -> list[tuple[str, pd.DataFrame, str]]:
    """(title, table, note) per survey question: what residents feel beside the recorded incidents, as the page.

    An analyst's pack only, as the "Did it work?" pages: a viewer's incidents are masked, so their counts per
    settlement would not be the recorded ones the rates must come from.
    """
    survey = layers.get(SURVEY_TABLE)
    if survey is None or len(survey) == 0 or s.units.empty or s.options.min_count:
        return []
    _ = s.tr
    shares = survey_shares(survey)
    days = (s.options.end - s.options.start).days + 1 if s.options.start and s.options.end else None
    out = []
    for key in sorted(shares["question"].unique()):
        frame = perception_frame(shares, key, s.incidents, s.units, days=days)
        note = _("Share of respondents who agree (answers 4 or 5 of 5), weighted, with its interval (95%); fewer "
                 "than {n} respondents are not shown. Recorded: the pack's incidents per 100,000 residents a year. "
                 "High and low: above or below the middle settlement.", n=_.int(MIN_RESPONDENTS))
        out.append((_("What residents feel: {question}", question=question_label(key, _)),
                    perception_table(frame, lang=_.lang), note))
    return out
