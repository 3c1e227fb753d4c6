"""Coverage, gaps and proposed sites on the map, with texts in the reader's language."""

from __future__ import annotations

import re

import folium
import geopandas as gpd

from geo.crs import to_display
from geo.i18n import Tr
from geo.palette import COVERAGE_LABELS, COVERED, GAP, PROPOSED  # shared with the print maps
from geo.categories import CategoryList
from layers.legend import Legend
from layers.text import html_text

__all__ = ["gap_layer", "planner_legend", "proposed_layer", "service_layer"]

# geo.coverage.gaps writes a gap's main categories as codes with shares: "burglary 45%, public_order 30%"
_SHARE = re.compile(r"([a-z0-9_]+) (\d+(?:\.\d+)?%)")


def _categories(text: object, _: Tr, *, categories: CategoryList | None = None) -> str:
    """A gap's main categories with their names in the reader's language; other text as written.

    ``categories`` is the workspace's list (its own labels), the default list when not given.
    """
    lst = CategoryList.of(categories)
    raw = "" if text is None else str(text)
    parts = [_SHARE.fullmatch(p.strip()) for p in raw.split(",")] if raw else []
    if not parts or not all(m is not None and m.group(1) in lst for m in parts):
        return raw
    return ", ".join(f"{lst.label(m.group(1), _)} {m.group(2)}" for m in parts)


def _gap_label(number: int, count: int, km2: float, categories: object, _: Tr) -> str:
    """A gap's tooltip: its number, uncovered incidents, area and main categories (escaped HTML)."""
    lines = [_("Coverage gap {number}", number=number),
             _.plural("{n} incident not covered", "{n} incidents not covered", count),
             _("{area} km²", area=_.num(km2, 2)), _categories(categories, _)]
    return f"<b>{html_text(lines[0])}</b><br>" + "<br>".join(html_text(x) for x in lines[1:])


def service_layer(areas: gpd.GeoDataFrame, *, name: str | None = None, color: str = COVERED,
                  css: str = "kz-service", lang: str = "en") -> folium.FeatureGroup:
    """Service areas (circles or sectors), dissolved so overlaps do not darken ("Covered today" by default)."""
    _ = Tr(lang)
    fg = folium.FeatureGroup(name=name or _("Covered today"))
    if len(areas):
        union = to_display(gpd.GeoDataFrame(geometry=[areas.union_all()], crs=areas.crs))
        folium.GeoJson(union.to_json(), style_function=lambda _f: {
            "color": color, "weight": 1, "fillColor": color, "fillOpacity": 0.15, "className": css},
            control=False).add_to(fg)
    return fg


def gap_layer(gaps: gpd.GeoDataFrame, *, name: str | None = None, lang: str = "en") -> folium.FeatureGroup:
    """Coverage gaps, numbered, with their uncovered incidents, area and main categories on hover."""
    _ = Tr(lang)
    fg = folium.FeatureGroup(name=name or _("Coverage gaps"))
    if len(gaps):
        g = to_display(gaps).reset_index(drop=True)
        g["label"] = [_gap_label(int(i), int(n), float(a), c, _)
                      for i, n, a, c in zip(g["gap_id"], g["incidents"], g["area_km2"], g["main_categories"],
                                            strict=True)]
        folium.GeoJson(g[["label", g.geometry.name]].to_json(), style_function=lambda _f: {
            "color": GAP, "weight": 2, "fillColor": GAP, "fillOpacity": 0.35, "dashArray": "5 3",
            "className": "kz-gap"}, tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
            control=False).add_to(fg)
    return fg


def proposed_layer(sites: gpd.GeoDataFrame, *, radius: float | None, areas: gpd.GeoDataFrame | None = None,
                   name: str | None = None, lang: str = "en") -> folium.FeatureGroup:
    """Each proposed site numbered by rank, with its own service area: a circle of ``radius``, or ``areas``."""
    _ = Tr(lang)
    name = name or _("Proposed sites")
    fg = folium.FeatureGroup(name=name)
    if areas is not None and len(areas):
        service_layer(areas, name=name, color=PROPOSED, css="kz-proposed-area", lang=lang).add_to(fg)
        radius = None
    s = to_display(sites).reset_index(drop=True)
    for _i, row in s.iterrows():
        covered = int(row.get("new_covered_count", 0))
        title = _("Proposed site {number}", number=int(row["rank"]))
        gain = _.plural("{n} incident newly covered", "{n} incidents newly covered", covered)
        label = f"<b>{html_text(title)}</b><br>{html_text(gain)}"
        if radius:
            folium.Circle([row.geometry.y, row.geometry.x], radius=radius, color=PROPOSED, weight=1,
                          fill=True, fill_opacity=0.12, class_name="kz-proposed-area").add_to(fg)
        folium.Marker(
            [row.geometry.y, row.geometry.x], tooltip=label, popup=folium.Popup(label, max_width=260),
            icon=folium.DivIcon(html=f'<div class="kz-proposed" style="background:{PROPOSED};color:#fff;'
                                     'border-radius:50%;width:24px;height:24px;line-height:24px;text-align:center;'
                                     f'font:bold 12px sans-serif;border:2px solid #fff">{int(row["rank"])}</div>',
                                icon_size=(24, 24), icon_anchor=(12, 12)),
        ).add_to(fg)
    return fg


def planner_legend(*, gaps: bool, covered: bool = True, lang: str = "en") -> Legend:
    """The coverage legend ("Coverage" in ``lang``): covered today (unless ``covered`` is False: cameras draw
    what they see in their own layer), proposed sites, and gaps when shown."""
    _ = Tr(lang)
    rows = [(COVERED, _(COVERAGE_LABELS["covered"]))] if covered else []
    rows.append((PROPOSED, _(COVERAGE_LABELS["proposed"])))
    if gaps:
        rows.append((GAP, _(COVERAGE_LABELS["gap"])))
    return Legend(_("Coverage"), rows, kind="fill")
