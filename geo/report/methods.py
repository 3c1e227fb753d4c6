"""The pack's pages of words: the cover, the methods and the zip's README (each map's "how to read" is its view's).

Plain words first and the method's name in brackets ("Smoothed rate
(Empirical Bayes)", see ``docs/glossary.md``), every rate with its unit and
period, numbers and dates in the pack's language. Each sentence is one
message of the catalog with its numbers as fields, so that a translation may
put them where its grammar wants them.
"""

from __future__ import annotations

from collections.abc import Iterable

from geo.categories import CategoryList
from geo.coverage import DEFAULT_CAMERA_RANGE_M
from geo.i18n import N_, Tr
from geo.io.provenance import source_in
from geo.privacy import PrivacyReport
from geo.report.options import MapView
from geo.report.study import PackStudy
from geo.report.text import categories_text, category_label, period_text
from geo.stats.hotspots import CELL_CEILING, CELL_FLOOR, CELL_TARGET, MIN_TOP_INCIDENTS
from geo.stats.population import proxy_note

__all__ = ["cover_text", "methods_text", "readme"]

# The kernels of geo.stats.density, by name, for the methods page.
KERNELS = {"quartic": N_("quartic"), "gaussian": N_("Gaussian"), "epanechnikov": N_("Epanechnikov"),
           "triangular": N_("triangular"), "uniform": N_("uniform")}
SHAPES = {"square": N_("square"), "hex": N_("hexagonal")}


def _num(_: Tr, value: float, digits: int = 0) -> str:
    return _.int(value) if digits == 0 else _.num(value, digits)


def cover_text(s: PackStudy, toc: list[str]) -> list[str]:
    """The cover's paragraphs: what the pack covers, its source and date, and the contents."""
    o, _ = s.options, s.tr
    where = (_.plural("{area} ({n} settlement)", "{area} ({n} settlements)", len(s.units), area=s.label)
             if len(s.units) else s.label)
    # the workspace's own names (o.category_list, resolved from the incidents when not given)
    priorities = ", ".join(category_label(_, c, categories=o.category_list) for c in o.priorities) or _("none")
    paragraphs = [
        _("Area: {area}. Period: {period}.", area=where, period=period_text(_, o.start, o.end, long=True)),
        _("Categories: {categories}; priorities: {priorities}.",
          categories=categories_text(_, o.categories, category_list=o.category_list), priorities=priorities),
        _("Incidents: {incidents}; police stations: {stations}; video cameras: {cameras}.",
          incidents=_.int(len(s.incidents)), stations=_.int(len(s.stations)), cameras=_.int(len(s.cameras))),
        # the source is the workspace's title: the demo's is a catalog message, a user's stays as written
        _("Data source: {source}. Prepared with Koopsuz on {date}.", source=source_in(o.source, lang=_.lang),
          date=_.date(o.date)),
        "## " + _("Contents"),
        *(f"- {line}" for line in toc)]
    # a Russian date ends with "г.": the sentence's full stop after it would make two
    return [p.replace("г..", "г.").replace("ж..", "ж.") for p in paragraphs]


def methods_text(s: PackStudy, views: list[MapView]) -> list[str]:
    """The methods page: how each map was made and every parameter, in plain words."""
    o, _ = s.options, s.tr
    by_kind = {v.kind: v for v in views}
    period = period_text(_, o.start, o.end, long=True)
    if s.filter.days:
        period = _("{period} ({days})", period=period, days=_.plural("{n} day", "{n} days", s.filter.days))
    out = [_("Study area: {area}. Period: {period}; categories: {categories}. Incidents studied: {incidents}.",
             area=s.label, period=period, categories=categories_text(_, o.categories, category_list=o.category_list),
             incidents=_.int(len(s.incidents)))]
    if s.outside:
        out[0] += " " + _.plural("{n} more incident lies outside every settlement and is left out.",
                                 "{n} more incidents lie outside every settlement and are left out.", s.outside)
    ov = by_kind["overview"].params
    if "rates" in ov:
        yearly = _("per 100,000 residents a year") if s.filter.days else _("per 100,000 residents")
        out.append(_("Smoothed rate (Empirical Bayes): incidents {per}. The rates of small settlements are pulled "
                     "towards the overall rate, so that a few incidents in a village do not look like a crime wave. "
                     "Clusters of high and low rates (LISA): settlements whose rate is like or unlike their "
                     "neighbours' ({permutations} random reshuffles), with the correction for many tests (FDR) "
                     "at 5 %.", per=yearly, permutations=_.int(ov["lisa_permutations"])))
    out += _hotspot_methods(_, [v for v in views if v.kind == "hotspots"], categories=o.category_list)
    out += _coverage_method(s, by_kind["coverage"])
    out.append(_sites_method(s, by_kind["sites"]))
    out.append(_("Coordinates are latitude and longitude (WGS84); distances and areas are computed in the local "
                 "UTM zone. The same data and parameters give the same results."))
    if "privacy" in s.incidents.attrs:  # made by a viewer: the incidents were masked on the server (geo.privacy)
        out.append(_("Made for a viewer: exact places, registry numbers, descriptions and times are left out, and "
                     "dates are to the month."))
        out += PrivacyReport.of(s.incidents).lines(lang=_.lang)
    return out


def _hotspot_methods(_: Tr, views: list[MapView], *, categories: CategoryList | None = None) -> list[str]:
    """One paragraph on the method, then a line per map with its own cell size and neighbourhood.

    ``categories`` is the workspace's list: each map's category by its own name.
    """
    gi = [v.params for v in views if "band_m" in v.params]
    kde = [v.params for v in views if "bandwidth_m" in v.params]
    out: list[str] = []
    if gi:
        first = gi[0]
        fields = {"shape": _(SHAPES.get(first["shape"], first["shape"])), "cell_rule": _rule(_, first["cell_rule"])}
        out.append(_("Hot spots (Gi*): the ground is divided into {shape} cells, and a cell's neighbours are the "
                     "cells closer than the neighbourhood distance (distance band); the cell size is {cell_rule} "
                     "and the distance chosen from the data; with the correction for many tests (FDR).", **fields)
                   if all(p["fdr"] for p in gi) else
                   _("Hot spots (Gi*): the ground is divided into {shape} cells, and a cell's neighbours are the "
                     "cells closer than the neighbourhood distance (distance band); the cell size is {cell_rule} "
                     "and the distance chosen from the data; without the correction for many tests (FDR).",
                     **fields))
        if first["cell_rule"] != "given":
            out.append(_("The cell size is chosen from the incidents of the period and categories mapped: large "
                         "enough that the cells with incidents hold on average at least {target} each, where there "
                         "are enough incidents (growing to at most a tenth of the area's width), and between {floor} m "
                         "and {ceiling} m: smaller cells say nothing about a place, larger ones name no place a "
                         "patrol can cover.",
                         target=_.int(CELL_TARGET), floor=_.int(CELL_FLOOR), ceiling=_.int(CELL_CEILING)))
        out.append(_("Top hot spots: neighbouring hot cells (touching at a side or a corner) are merged into one hot "
                     "spot, ranked by its incidents; hot spots with fewer than {least} incidents are not listed.",
                     least=_.int(first.get("min_incidents", MIN_TOP_INCIDENTS))))
    if kde:
        first = kde[0]
        out.append(_("Density (kernel density): a {kernel} kernel; the search radius (bandwidth) is {bandwidth_rule} "
                     "and the cell size {cell_rule}; incidents per km².",
                     kernel=_(KERNELS.get(first["kernel"], first["kernel"])),
                     bandwidth_rule=_rule(_, "given" if first["bandwidth_rule"] == "given" else "data"),
                     cell_rule=_rule(_, "given" if first["cell_rule"] == "given" else "data")))
        out.append(_("Top density peaks: the highest peaks at least a search radius apart, each with the incidents "
                     "within the search radius; peaks with fewer than {least} incidents nearby are not listed.",
                     least=_.int(first.get("min_incidents", MIN_TOP_INCIDENTS))))
    for v in views:
        p = v.params
        what = category_label(_, v.category, categories=categories) if v.category else _("all categories")
        if "band_m" in p:
            line = _("{what}: cells of {cell} m, neighbourhood distance {band} m, {cells} cells; {hot} with a "
                     "confidence of at least 90 %.", what=what, cell=_num(_, p["cell_m"]), band=_num(_, p["band_m"]),
                     cells=_.int(p["cells"]),
                     hot=_.plural("{n} hot spot cell", "{n} hot spot cells", p["hot_cells"]))
        elif "bandwidth_m" in p:
            line = _("{what}: search radius {bandwidth} m, cells of {cell} m.", what=what,
                     bandwidth=_num(_, p["bandwidth_m"]), cell=_num(_, p["cell_m"]))
        else:
            line = _("{what}: not computed. {why}", what=what, why=" ".join(v.notes))
        out.append("- " + line)
    return out


def _rule(_: Tr, rule: str) -> str:
    return _("given") if rule == "given" else _("chosen from the data")


def _coverage_method(s: PackStudy, v: MapView) -> list[str]:
    _, cv = s.tr, v.params
    fields = {"covered": _.int(cv["covered"]), "incidents": _.int(cv["incidents"]),
              "share": _.pct(cv["share"], 1) if cv.get("share") is not None else "–"}
    if cv.get("standard") == "drive time":
        cover = _("Coverage: a police station covers the incidents within {minutes} min by road (along the roads "
                  "layer at each road's speed; between a point and its nearest road at {speed} km/h). "
                  "{covered} of {incidents} incidents are covered today ({share}).",
                  minutes=_.num(cv["minutes"], 0 if float(cv["minutes"]).is_integer() else 1),
                  speed=_.num(cv["off_road_kmh"], 0 if float(cv["off_road_kmh"]).is_integer() else 1), **fields)
    else:
        cover = _("Coverage: a police station covers the incidents within {metres} m in a straight line. "
                  "{covered} of {incidents} incidents are covered today ({share}).",
                  metres=_.int(cv["radius_m"]), **fields)
    if "residents_surface" in cv:  # residents from the population surface (geo.stats.population)
        covered = cv.get("residents_covered")
        cover += " " + _("Residents covered: {covered} of {residents}.",
                         covered="–" if covered is None else _.int(covered), residents=_.int(cv["residents"]))
        cover += " " + proxy_note(**cv["residents_surface"], lang=_.lang)
    elif "residents_covered" in cv:
        cover += " " + _("Residents covered: {covered} of {residents}, counting each settlement's residents as "
                         "spread evenly over it (areal weighting).", covered=_.int(cv["residents_covered"]),
                         residents=_.int(cv["residents"]))
    out = [cover]
    if "camera_covered" in cv:
        out.append(_("Video cameras: a camera sees its viewing sector (range, direction and field of view as "
                     "recorded; {range} m all round where they are not recorded).",
                     range=_.int(DEFAULT_CAMERA_RANGE_M)) + " "
                   + _.plural("{n} camera has {incidents} in view ({share}).",
                              "{n} cameras have {incidents} in view ({share}).", cv["cameras"],
                              incidents=_.plural("{n} incident", "{n} incidents", cv["camera_covered"]),
                              share=_.pct(cv["camera_share"], 1)))
    if "gaps" in cv:
        gaps = _.plural("{n} gap", "{n} gaps", cv["gaps"])
        cell = _num(_, cv["gap_cell_m"] or 0)
        if cv["gap_method"] == "gistar":
            out.append(_("Coverage gaps: hot spot cells (Gi*) of all the selected incidents with a confidence of "
                         "at least 95 % that no station reaches, cells of {cell} m; {gaps}, each with uncovered "
                         "incidents.",
                         cell=cell, gaps=gaps))
        else:
            out.append(_("Coverage gaps: the densest tenth of the ground (at least {threshold} incidents per km²) "
                         "that no station reaches, cells of {cell} m; {gaps}, each with uncovered incidents.",
                         threshold=_.num(cv["gap_threshold_per_km2"] or 0, 1), cell=cell, gaps=gaps))
    return out


def _sites_method(s: PackStudy, v: MapView) -> str:
    _, sp = s.tr, v.params
    if "status" not in sp:
        return _("Proposed sites: not computed. {why}", why=" ".join(v.notes))
    if "minutes" in sp:
        standard = _("{minutes} min by road", minutes=_.num(sp["minutes"], 0 if float(sp["minutes"]).is_integer()
                                                             else 1))
    else:
        standard = _("{metres} m", metres=_.int(sp.get("radius_m", 0)))
    quality = (_("Proven optimal") if sp["gap"] == 0
               else _("at most {gap} short of the best possible", gap=_.pct(sp["gap"], 2)))
    return _.plural("Proposed sites, most incidents covered (MCLP): {n} new site among {candidates} candidate "
                    "sites on a grid {spacing} m apart in the settlements, keeping the {stations} existing "
                    "stations, to cover the most incidents within {standard}. Solver: {solver}; result: "
                    "{quality}; {covered} covered with the proposal.",
                    "Proposed sites, most incidents covered (MCLP): {n} new sites among {candidates} candidate "
                    "sites on a grid {spacing} m apart in the settlements, keeping the {stations} existing "
                    "stations, to cover the most incidents within {standard}. Solver: {solver}; result: "
                    "{quality}; {covered} covered with the proposal.", int(sp["k"]),
                    candidates=_.int(sp["candidates_used"]), spacing=_.int(sp["candidate_spacing_m"]),
                    stations=_.int(sp["stations_kept"]), standard=standard, solver=sp["solver"], quality=quality,
                    covered=_.plural("{n} incident", "{n} incidents", round(sp["objective"] or 0)))


def readme(s: PackStudy, names: Iterable[str]) -> str:
    """The zip's README: what the pack covers and each file, with Windows line ends."""
    o, _ = s.options, s.tr
    lines = [o.title, "", _("Area: {area}", area=s.label),
             _("Period: {period}", period=period_text(_, o.start, o.end, long=True)),
             _("Categories: {categories}", categories=categories_text(_, o.categories, category_list=o.category_list)),
             _("Data source: {source}", source=source_in(o.source, lang=_.lang)),
             _("Prepared with Koopsuz on {date}", date=_.date(o.date)), "",
             _("Map images: PNG at {dpi} dpi, paper {paper}.", dpi=_.int(o.dpi), paper=o.paper.upper()),
             _("Tables: CSV (UTF-8, opens in Excel), and all of them in one XLSX workbook."), "",
             _("Contents:")]
    lines += [f"  {name}" for name in sorted(names)]
    return "\r\n".join(lines) + "\r\n"  # CRLF: Notepad on older Windows shows LF files as one line
