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
from geo.i18n import place_names
from geo.report.study import PackStudy

__all__ = ["evaluation_texts"]


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
