"""Settlement boundaries as a choropleth of incidents per 100,000 residents, LISA clusters and outlines.

Classes are Fisher-Jenks natural breaks (mapclassify), the default of
ArcGIS and GeoDa rate maps, with at most five classes. Every text is in the
reader's language (``lang``); settlements are named with their ``name_ru`` /
``name_ky`` where the workspace has them, a repeated name with its district or
area (:func:`geo.select.unit_labels`). A settlement without a rate says why
in its tooltip (no population, or fewer residents than
:data:`geo.stats.rates.MIN_POPULATION`).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import to_display
from geo.i18n import Tr
from geo.messages import RATE_FEW_RESIDENTS
from geo.palette import LISA_COLORS, LISA_LABELS, class_colors, class_texts, rate_classes  # shared with the print maps
from geo.select import unit_labels
from geo.stats.rates import MIN_POPULATION, rate_notes
from layers.legend import Legend
from layers.style import NO_DATA
from layers.text import html_text


def unit_names(units: pd.DataFrame, lang: str) -> pd.Series:
    """Each unit's name in ``lang``, told apart where names repeat; '' where it has none."""
    if "name" not in units:
        return pd.Series("", index=units.index)
    return unit_labels(units.assign(name=units["name"].fillna("")), lang)

__all__ = ["boundary_layer", "lisa_layer", "outline_layer"]

def boundary_layer(units: gpd.GeoDataFrame, *, name: str | None = None, rate_label: str | None = None,
                   value: str = "rate", title: str | None = None,
                   lang: str = "en") -> tuple[folium.FeatureGroup, Legend]:
    """Choropleth of ``units`` (boundaries with ``count`` and ``rate``) and its legend.

    Each unit is one SVG path of class ``kz-boundary``, with an escaped
    tooltip (name, population, incidents, rate).

    Parameters
    ----------
    units : GeoDataFrame
        Boundaries with ``name``, ``population``, ``count`` and ``value``.
    name : str, optional
        Title in the layer control; "Incidents per 100,000 residents a year" in ``lang`` by default.
    rate_label : str, optional
        The rate's label in each tooltip ("<label>: 1 341"); ``title`` by default.
    value : str, default "rate"
        The column coloured.
    title : str, optional
        The legend's title; as ``name`` by default.
    lang : {"ru", "ky", "en"}
        The language of every text.
    """
    _ = Tr(lang)
    name = name or _("Incidents per 100,000 residents a year")
    title = title or name
    rate_label = title if rate_label is None else rate_label
    fg = folium.FeatureGroup(name=name)
    cls, bins = rate_classes(units[value].to_numpy(dtype=float))
    ramp = class_colors(len(bins))
    colors = [ramp[c] if c >= 0 else NO_DATA for c in cls]
    u = to_display(units).reset_index(drop=True)

    # why a unit has no rate: as unit_rates gave it, else from its population
    notes = (u["rate_note"].fillna("").astype(str).to_numpy() if "rate_note" in u
             else rate_notes(u["population"] if "population" in u else np.full(len(u), np.nan)))

    def rate_text(v: float, note: str) -> str:
        shown = _.int(v) if np.isfinite(v) else (_.message(note) if note else _("No population"))
        return html_text(_("{label}: {value}", label=rate_label, value=shown) if rate_label else shown)

    def pop_text(p: float) -> str:
        return _("Population: unknown") if pd.isna(p) else _("Population: {n}", n=_.int(int(p)))

    def count_text(c: float) -> str:
        return _("Incidents: {n}", n=_.int(int(c)))

    labels = [
        f"<b>{html_text(n)}</b><br>{html_text(pop_text(p))}<br>{html_text(count_text(c))}<br>{rate_text(r, t)}"
        for n, p, c, r, t in zip(unit_names(u, lang), u["population"], u["count"], u[value], notes, strict=True)
    ]
    data = gpd.GeoDataFrame({"label": labels, "fill": colors}, geometry=u.geometry, crs=u.crs)
    folium.GeoJson(
        data.to_json(),
        name=name,
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#444", "weight": 1.2,
                                  "fillOpacity": 0.55, "className": "kz-boundary"},
        highlight_function=lambda _f: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        control=False,
    ).add_to(fg)

    # the classes' bounds with as many figures as make them differ (a smoothed rate may be 0.4), as on paper
    texts = class_texts(float(np.nanmin(units[value])), bins, lang=_.lang) if bins else []
    rows = list(zip(ramp, texts, strict=True))
    if (cls < 0).any():
        few = RATE_FEW_RESIDENTS.format(n=f"{MIN_POPULATION:,.0f}")
        rows.append((NO_DATA, _("No rate: no population or fewer than {n} residents", n=_.int(MIN_POPULATION))
                     if (notes[cls < 0] == few).any() else _("No population")))
    return fg, Legend(title, rows, kind="fill")


def lisa_layer(units: gpd.GeoDataFrame, *, name: str | None = None,
               lang: str = "en") -> tuple[folium.FeatureGroup, Legend]:
    """Units coloured by LISA cluster (``lisa_cluster``), as GeoDa's cluster map, with texts in ``lang``."""
    _ = Tr(lang)
    name = name or _("Clusters of high and low rates (LISA)")
    fg = folium.FeatureGroup(name=name)
    u = to_display(units).reset_index(drop=True)
    labels = [f"<b>{html_text(n)}</b><br>{html_text(_(LISA_LABELS[c]) if c in LISA_LABELS else c)}"
              f"<br>I = {_.num(i, 2)}, p = {_.num(p, 3)}"
              for n, c, i, p in zip(unit_names(u, lang), u["lisa_cluster"], u["lisa_I"].astype(float),
                                    u["lisa_p"].astype(float), strict=True)]
    data = gpd.GeoDataFrame({"label": labels, "fill": u["lisa_cluster"].map(LISA_COLORS).fillna("#bdbdbd")},
                            geometry=u.geometry, crs=u.crs)
    folium.GeoJson(
        data.to_json(),
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#444", "weight": 1,
                                  "fillOpacity": 0.7, "className": "kz-lisa"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        control=False,
    ).add_to(fg)
    present = [k for k in LISA_COLORS if k in set(u["lisa_cluster"])]
    legend = Legend(_("Clusters of high and low rates (LISA)"),
                    [(LISA_COLORS[k], _(LISA_LABELS[k])) for k in present], kind="fill",
                    note=_("Smoothed rate (Empirical Bayes)"))
    return fg, legend


def outline_layer(units: gpd.GeoDataFrame, *, name: str | None = None, lang: str = "en") -> folium.FeatureGroup:
    """Unfilled outlines with names on hover: context under an analysis layer."""
    _ = Tr(lang)
    fg = folium.FeatureGroup(name=name or _("Settlement boundaries"))
    if len(units) == 0:
        return fg
    u = to_display(units).reset_index(drop=True)
    data = gpd.GeoDataFrame({"label": [html_text(n) for n in unit_names(u, lang)]}, geometry=u.geometry, crs=u.crs)
    folium.GeoJson(
        data.to_json(),
        style_function=lambda _f: {"color": "#333", "weight": 1.2, "fill": False, "className": "kz-outline"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        control=False,
    ).add_to(fg)
    return fg
