"""An evaluation's areas on the map: the treated area, its displacement ring and the control, with a legend."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.crs import to_display
from geo.i18n import Tr
from geo.palette import EVALUATION_COLORS, EVALUATION_LABELS
from layers.legend import Legend
from layers.text import html_text

__all__ = ["evaluation_layer"]


def evaluation_layer(areas: gpd.GeoDataFrame, *, counts: dict[str, tuple[int, int]] | None = None,
                     intervention: gpd.GeoDataFrame | None = None, name: str = "",
                     lang: str = "en") -> tuple[folium.FeatureGroup, Legend]:
    """The areas of :func:`geo.evaluate.study_areas` (``role``), each with its counts before and after on hover,
    and the intervention itself (its point, line or area, named on hover) when given."""
    _ = Tr(lang)
    fg = folium.FeatureGroup(name=_("Evaluation areas"))
    if intervention is not None and len(intervention):
        shown_act = to_display(intervention[[intervention.geometry.name]]).assign(label=html_text(name))
        for geom in shown_act.geometry:
            if geom.geom_type == "Point":
                folium.CircleMarker([geom.y, geom.x], radius=7, color="#222", weight=2, fill=True,
                                    fill_color=EVALUATION_COLORS["treated"], fill_opacity=1,
                                    tooltip=html_text(name), class_name="kz-eval-intervention").add_to(fg)
        lines = shown_act[shown_act.geom_type != "Point"]
        if len(lines):
            folium.GeoJson(lines.to_json(), style_function=lambda _f: {
                "color": "#222", "weight": 3, "fillOpacity": 0, "className": "kz-eval-intervention"},
                tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False), control=False).add_to(fg)
    shown = to_display(areas).reset_index(drop=True)
    for row in shown.itertuples():
        colour = EVALUATION_COLORS.get(row.role, "#777777")
        label = _(EVALUATION_LABELS.get(row.role, row.role))
        lines = [label, _("{area} km²", area=_.num(float(row.area_km2), 2))]
        if counts and row.role in counts:
            before, after = counts[row.role]
            lines.append(_("Incidents before: {before}; after: {after}", before=_.int(before), after=_.int(after)))
        tip = f"<b>{html_text(lines[0])}</b><br>" + "<br>".join(html_text(x) for x in lines[1:])
        frame = gpd.GeoDataFrame({"label": [tip]}, geometry=[row.geometry], crs=shown.crs)
        folium.GeoJson(frame.to_json(), style_function=lambda _f, c=colour, r=row.role: {
            "color": c, "weight": 2, "fillColor": c, "fillOpacity": 0.12 if r == "control" else 0.3,
            "dashArray": "4 3" if r == "ring" else None, "className": f"kz-eval-{r}"},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False), control=False).add_to(fg)
    legend = Legend(_("Evaluation areas"), [(EVALUATION_COLORS[r], _(EVALUATION_LABELS[r]))
                                          for r in ("treated", "ring", "control") if r in set(areas["role"])])
    return fg, legend
