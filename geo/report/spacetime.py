"""What is emerging, what repeats, which map predicts best: the tables and sentences the pages and the pack print.

One function per table or sentence, called by the page (:mod:`views.emerging`, :mod:`views.nearrepeat`,
:mod:`views.forecast`), the pack (:func:`spacetime_views`, :func:`spacetime_specs`) and the command line, so
that the three say the same in every language. The analyses themselves are :mod:`geo.spacetime` and
:mod:`geo.forecast`; this module only words and lays out their results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.content import MapContent
from geo.forecast import Forecast, forecast_accuracy, summarize
from geo.i18n import N_, Tr
from geo.palette import EMERGING_COLORS, EMERGING_LABELS, EMERGING_MEANINGS
from geo.report.options import ANALYSES, MapView
from geo.report.study import PackStudy
from geo.select import select_study
from geo.spacetime import EmergingResult, KnoxResult, emerging_hotspots, near_repeat

__all__ = ["ANALYSES", "FORECAST_LABELS", "FORECAST_SHARE", "NR_SPACE", "NR_TIME", "PackAnalyses", "pack_analyses", "band_words", "emerging_sentence", "emerging_table", "forecast_chart",
           "forecast_sentence", "forecast_table", "knox_sentence", "knox_table", "pattern_meaning"]

FORECAST_LABELS = {
    "last_period": N_("Last month's incidents"),
    "kde": N_("Density map (kernel density)"),
    "gistar": N_("Hot spot cells (Gi*)"),
    "prospective": N_("Recent incidents, nearest weigh most (prospective hot-spotting)"),
    "emerging": N_("Persistent and intensifying hot spots (emerging hot spots)"),
}
NR_SPACE = "0,100,200,300,400,500"  # the near-repeat bands of the page and the pack: metres ...
NR_TIME = "0,7,14,21,28"  # ... and days
FORECAST_SHARE = 0.05  # the share of the area the pack's forecast table and recommendation are for
_NOW = ("new_hot", "consecutive_hot", "intensifying_hot")  # getting worse: what the sentence counts


def pattern_meaning(key: str, _: Tr) -> str:
    """What a pattern means in plain words (:data:`geo.palette.EMERGING_MEANINGS`)."""
    return _(EMERGING_MEANINGS.get(key, EMERGING_MEANINGS["no_pattern"]))


def emerging_table(result: EmergingResult, *, lang: str = "en") -> pd.DataFrame:
    """Cells and incidents per pattern (only the patterns found), with what each means."""
    _ = Tr(lang)
    cells = result.cells
    counts = result.counts()
    rows = []
    for key, n in counts.items():
        if not n:
            continue
        incidents = int(cells.loc[cells["pattern"] == key, "count"].sum()) if cells is not None else None
        rows.append({_("Pattern"): _(EMERGING_LABELS[key]), _("What it means"): pattern_meaning(key, _),
                     _("Cells"): n, _("Incidents"): incidents})
    return pd.DataFrame(rows, columns=[_("Pattern"), _("What it means"), _("Cells"), _("Incidents")])


def emerging_sentence(result: EmergingResult, *, lang: str = "en") -> str:
    """The result in one sentence: how many cells are getting worse, out of how many, over which steps."""
    _ = Tr(lang)
    counts = result.counts()
    worse = sum(counts[k] for k in _NOW)
    steps = result.steps
    first, last = (steps[0].date(), steps[-1].date()) if steps is not None and len(steps) else (None, None)
    period = (_("{first} to {last}", first=_.month_year(first), last=_.month_year(last)) if first else "")
    if not worse:
        return _("No place is getting worse ({period}): no cell is a new, consecutive or intensifying hot spot.",
                 period=period)
    return _.plural("{n} cell of {cells} is getting worse ({period}): a new, consecutive or intensifying hot spot.",
                    "{n} cells of {cells} are getting worse ({period}): new, consecutive or intensifying hot spots.",
                    worse, n=_.int(worse), cells=_.int(int(result.mask.sum())), period=period)


def band_words(edges: Sequence[float], *, unit: str, lang: str = "en") -> list[str]:
    """Each band's words, exactly what it holds: "0 to under 100 m", "300 m or more"; ``unit`` "m" or "days"."""
    _ = Tr(lang)

    def num(v: float) -> str:
        return _.int(int(v)) if float(v).is_integer() else _.num(float(v), 1)

    out = []
    for lo, hi in zip(edges, [*edges[1:], None], strict=True):
        if unit == "m":
            out.append(_("{low} to under {high} m", low=num(lo), high=num(hi)) if hi is not None
                       else _("{low} m or more", low=num(lo)))
        else:
            out.append(_("{low} to under {high} days", low=num(lo), high=num(hi)) if hi is not None
                       else _("{low} days or more", low=num(lo)))
    return out


def knox_table(result: KnoxResult, *, lang: str = "en", marks: bool = False) -> pd.DataFrame:
    """The Knox ratios: a row per distance band, a column per time band; ``marks`` adds * (p ≤ 0.05) and **
    (p ≤ 0.01) for a page without colours (the pack)."""
    _ = Tr(lang)
    space = band_words(result.space_bands, unit="m", lang=lang)
    time = band_words(result.time_bands, unit="days", lang=lang)
    out = pd.DataFrame({_("Distance"): space})
    for j, label in enumerate(time):
        col = []
        for i in range(len(space)):
            r = result.ratio[i, j]
            text = "–" if not np.isfinite(r) else _.num(float(r), 2)
            if marks and np.isfinite(r):
                text += "**" if result.p[i, j] <= 0.01 else "*" if result.p[i, j] <= 0.05 else ""
            col.append(text)
        out[label] = col
    return out


def knox_sentence(result: KnoxResult, *, lang: str = "en") -> str:
    """The strongest significant near repeat in words, or that there is none."""
    _ = Tr(lang)
    finite = np.isfinite(result.ratio)
    sig = finite & (result.p <= 0.05) & (result.ratio > 1)
    # the open-ended last bands are "anywhere, any time": not a near repeat
    sig[-1, :] = False
    sig[:, -1] = False
    if not sig.any():
        return _("No near repeats: incidents close in space are not closer in time than chance gives "
                 "(Knox test, {n} events, {r} shuffles).", n=_.int(result.events), r=_.int(result.permutations))
    i, j = np.unravel_index(np.where(sig, result.ratio, -np.inf).argmax(), sig.shape)
    space = band_words(result.space_bands, unit="m", lang=lang)[i]
    time = band_words(result.time_bands, unit="days", lang=lang)[j]
    return _("After an incident, others {space} away and {time} later happen {ratio} times as often as chance "
             "gives (Knox test, p = {p}; {n} events, {r} shuffles).", space=space, time=time,
             ratio=_.num(float(result.ratio[i, j]), 1), p=_.num(float(result.p[i, j]), 3), n=_.int(result.events),
             r=_.int(result.permutations))


def forecast_table(forecast: Forecast, *, share: float, lang: str = "en") -> pd.DataFrame:
    """A row per method at ``share`` of the area: months scored, mean hit rate, mean PAI and mean PEI."""
    _ = Tr(lang)
    s = forecast.summary
    rows = s[np.isclose(s["share"].to_numpy(dtype=float), share, rtol=0, atol=1e-12)]
    best = forecast.best(share)
    out = pd.DataFrame({
        _("Map"): [_(FORECAST_LABELS.get(str(m), str(m))) for m in rows["method"]],
        _("Months scored"): rows["months"].astype(int).to_numpy(),
        _("Next month's incidents caught (hit rate)"): [_.pct(v, 0) if pd.notna(v) else "–"
                                                        for v in rows["mean_hit_rate"]],
        _("Times better than chance (PAI)"): [_.num(v, 1) if pd.notna(v) else "–" for v in rows["mean_pai"]],
        _("Share of the best possible (PEI)"): [_.pct(v, 0) if pd.notna(v) else "–" for v in rows["mean_pei"]],
        _("Best"): [_("yes") if str(m) == best else "" for m in rows["method"]],
    })
    return out.reset_index(drop=True)


def forecast_sentence(forecast: Forecast, *, share: float, lang: str = "en") -> str:
    """The recommendation: which map to follow next month, and how well it did on the held-out months."""
    _ = Tr(lang)
    best = forecast.best(share)
    if best is None:
        return _("No map could be scored: too few incidents in the months held out.")
    s = forecast.summary
    row = s[(s["method"].astype(str) == best) & np.isclose(s["share"].to_numpy(dtype=float), share, rtol=0,
                                                           atol=1e-12)].iloc[0]
    return _("Follow the {method}: over the last {months} months, the {share} of the area it marked held {hit} "
             "of the next month's incidents, {pai} times what chance gives (PAI), {pei} of the best possible (PEI).",
             method=_(FORECAST_LABELS.get(best, best)), months=_.int(int(row["months"])), share=_.pct(share, 0),
             hit=_.pct(float(row["mean_hit_rate"]), 0), pai=_.num(float(row["mean_pai"]), 1),
             pei=_.pct(float(row["mean_pei"]), 0))


def forecast_chart(forecast: Forecast, *, lang: str = "en") -> dict:
    """The chart of PAI by share of the area, a line per method (keyword arguments of
    :func:`geo.printmap.charts.line_chart_figure`; the page draws the same numbers)."""
    from geo.palette import FORECAST_COLORS

    _ = Tr(lang)
    curve = summarize(forecast.curve)
    shares = sorted(curve["share"].unique())
    lines = {}
    for method in dict.fromkeys(curve["method"].astype(str)):
        part = curve[curve["method"].astype(str) == method].set_index("share")["mean_pai"]
        lines[_(FORECAST_LABELS.get(method, method))] = ([None if pd.isna(part.get(x)) else float(part[x])
                                                          for x in shares], FORECAST_COLORS.get(method, "#666666"))
    return {"title": _("How much better than chance each map did, by share of the area marked"),
            "x_labels": [_.pct(x, 1) for x in shares],
            "lines": lines, "y_label": _("Times better than chance (PAI)"),
            "note": _("Each map drawn from the months before, scored on the month after, over the months held out: "
                      "the share of next month's incidents in the top cells of each map over the share of the area "
                      "those cells cover (PAI), by the share of the area marked. Higher is better; 1 is no better "
                      "than chance.")}


@dataclass(frozen=True)
class PackAnalyses:
    """The pack's optional pages of :data:`ANALYSES`: map views, tables (title, table, note) and chart pages."""

    views: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    charts: list = field(default_factory=list)
    params: dict = field(default_factory=dict)


def pack_analyses(layers: Mapping[str, gpd.GeoDataFrame], s: PackStudy) -> PackAnalyses:
    """The analyses the pack's options ask for, on the pack's study, as the pages make them.

    Emerging hot spots and which map predicts best read every month of the data up to the pack's end (the
    study's area and categories: :meth:`geo.select.IncidentFilter.history`), as the pages do; the near
    repeats read the pack's period, for one crime type: burglary where the selection has it, else the most
    frequent. None for a viewer's pack (masked points and months would make every count wrong).
    """
    o, _ = s.options, s.tr
    out = PackAnalyses()
    if not o.analyses or o.min_count:
        return out
    history = select_study(layers, s.filter.history()) if {"emerging", "forecast"} & set(o.analyses) else None
    boundary = s.units if len(s.units) else None
    for name in o.analyses:
        try:
            if name == "emerging":
                result = emerging_hotspots(history.incidents, boundary=boundary)
                out.views.append(_emerging_view(result, s))
                out.tables.append((_("Emerging hot spots: patterns"), emerging_table(result, lang=_.lang),
                                   emerging_sentence(result, lang=_.lang)))
                out.params["emerging"] = result.params | {"patterns": result.counts()}
            elif name == "near_repeat":
                inc = s.incidents
                kinds = inc["category"].astype(str).value_counts()
                if kinds.empty:
                    continue
                kind = "burglary" if "burglary" in kinds.index else str(kinds.index[0])
                result = near_repeat(inc[inc["category"].astype(str) == kind], space_bands=NR_SPACE,
                                     time_bands=NR_TIME)
                words = o.category_list.labels(_) if o.category_list is not None else {}
                out.tables.append((_("Near repeats: {category}", category=words.get(kind, kind)),
                                   knox_table(result, lang=_.lang, marks=True),
                                   knox_sentence(result, lang=_.lang) + " " + _(
                                       "Times as many pairs as chance gives (Knox ratio); * p ≤ 0.05, ** p ≤ 0.01.")))
                out.params["near_repeat"] = {k: v for k, v in result.as_dict().items()
                                             if k not in ("expected", "significance")} | {"category": kind}
            elif name == "forecast":
                fc = forecast_accuracy(history.incidents, boundary=boundary)
                out.tables.append((_("Which map predicts next month best"),
                                   forecast_table(fc, share=FORECAST_SHARE, lang=_.lang),
                                   forecast_sentence(fc, share=FORECAST_SHARE, lang=_.lang)))
                out.charts.append(forecast_chart(fc, lang=_.lang))
                out.params["forecast"] = fc.params | {"best": fc.best(FORECAST_SHARE), "share": FORECAST_SHARE}
        except ValueError as exc:  # too few incidents or months: the pack says so on the methods page
            out.params[name] = {"not_made": str(exc)}
    return out


def _emerging_view(result: EmergingResult, s: PackStudy) -> MapView:
    _ = s.tr
    cells = result.cells[result.cells["pattern"] != "no_pattern"]
    found = [k for k in EMERGING_LABELS if k in set(cells["pattern"])]
    content = MapContent(boundaries=s.units, classes=cells.assign(**{"class": cells["pattern"]}),
                         class_colors=dict(EMERGING_COLORS), class_labels={k: EMERGING_LABELS[k] for k in found},
                         class_title=_("Emerging hot spots"), label_field=s.options.labels)
    first, last = result.steps[0].date(), result.steps[-1].date()
    subtitle = _("{area} · {first} to {last} · {n} incidents", area=s.label, first=_.month_year(first),
                 last=_.month_year(last), n=_.int(int(result.cells["count"].sum())))
    reading = _("Each coloured cell had a pattern over the months: new hot spots are hot only in the last month, "
                "consecutive ones in an unbroken run up to the last, intensifying ones nearly always and getting "
                "hotter, persistent ones nearly always; sporadic ones on and off. Cells without a pattern are not "
                "coloured. Hot: more incidents than the area's average would give (Gi*, confidence 90%).")
    return MapView(kind="emerging", category=None, content=content, title=_("Emerging hot spots"),
                   subtitle=subtitle, params={"cells": int(result.mask.sum()), "coloured": int(len(cells))},
                   tables={}, reading=reading, lang=_.lang)


def analysis_methods(extra: PackAnalyses, tr: Tr) -> list[str]:
    """The methods page's paragraphs for the analyses the pack holds: what was done, with which parameters."""
    _ = tr
    out: list[str] = []
    p = extra.params
    if "emerging" in p:
        e = p["emerging"]
        if "not_made" in e:
            out.append(_("Emerging hot spots were not made: {reason}", reason=_.message(e["not_made"])))
        else:
            out += ["## " + _("Emerging hot spots"), _(
                "Incidents counted in square cells of {cell} m, month by month over every month of the data up to "
                "the pack's end; in each month, a cell's Gi* is taken over its neighbours within {band} m in that "
                "month and the {lag} before it, hot or cold with confidence 90% and the false discovery rate per "
                "month; the Mann-Kendall test of each cell's Gi* series gives its trend (95%). The patterns follow "
                "ArcGIS Pro's Emerging Hot Spot Analysis: \"90 of every 100 periods\" is a share of them, a sporadic "
                "spot is hot in the last period, and a new one was never hot before.",
                cell=_.int(round(e.get("cell", 0))), band=_.int(round(e.get("band", 0) or 0)),
                lag=_.int(int(e.get("time_lag", 1))))]
            # each pattern's rule, as the page's table and the map's legend name them
            out += [f"- {_(EMERGING_LABELS[k])}: {pattern_meaning(k, _)}" for k in EMERGING_LABELS if k != "no_pattern"]
    if "near_repeat" in p:
        n = p["near_repeat"]
        if "not_made" in n:
            out.append(_("Near repeats were not tested: {reason}", reason=_.message(n["not_made"])))
        else:
            out += ["## " + _("Near repeats"), _(
                "Knox test as the Near Repeat Calculator: every pair of the period's incidents of one type counted "
                "by distance ({distance}) and days apart, in bands that include their lower edge and not their "
                "upper; expected counts are the means over {r} shuffles of the dates (seed {seed}); the chance of "
                "a count as high is (1 + shuffles as high) / ({r} + 1).",
                distance=_("along a street grid (Manhattan)") if n.get("distance") == "manhattan"
                else _("straight line (Euclidean)"), r=_.int(int(n.get("permutations", 0))),
                seed=_.int(int(n.get("seed", 0))))]
    if "forecast" in p:
        f = p["forecast"]
        if "not_made" in f:
            out.append(_("Which map predicts best was not measured: {reason}", reason=_.message(f["not_made"])))
        else:
            out += ["## " + _("Which map predicts best"), _(
                "Each of the last {test} months held out in turn: every map drawn from the {train} months before it "
                "and scored on that month. Hit rate: the share of the month's incidents in the map's top cells; "
                "PAI (Chainey 2008): the hit rate over the share of the area those cells cover; PEI (Hunt 2016): "
                "the PAI over the best PAI any map could have had with the same area. Cells tied at the edge of "
                "the top share count in part.", test=_.int(int(f.get("test_months", 0))),
                train=_.int(int(f.get("train_months", 0))))]
    return out
