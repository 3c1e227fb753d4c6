"""Municipalities side by side: one row of figures per municipality, a table and a printable page.

A national or regional coordinator compares the plans of several
municipalities (one workspace each, :func:`geo.io.workspaces.list_municipalities`).
:func:`compare_municipalities` computes, for one calendar year, what each
municipality's own pack would say: the incidents of the year and the one before,
the residents and the rate per 100,000 residents a year (:mod:`geo.stats.rates`,
its rules for a missing population), the plan's priority categories and their
trends (chosen as the pack chooses them, :func:`geo.report.study.pack_study`),
the share of incidents within reach of a police station (the pack's coverage,
:func:`geo.coverage.coverage_summary`, with its service standard), stations and
cameras. The figures have no language, so a page caches them once for every
reader; :func:`comparison_table` words them in one, and
:func:`comparison_pdf` / :func:`comparison_png` print the table and the
small-multiple maps (:func:`geo.printmap.multiples.multiples_figure`) in the
pack's format.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import printmap
from geo.coverage import coverage_summary
from geo.i18n import N_, Tr
from geo.messages import MUNI_NO_PREVIOUS, MUNI_NONE_BEFORE, MUNI_SOME_WITHOUT_POPULATION, RATE_NO_POPULATION
from geo.periods import label_of, period_days, periods_with_data, year as calendar_year
from geo.printmap.multiples import Panel, multiples_figure
from geo.report.options import ReportOptions
from geo.report.study import WORKSPACE_ATTR, pack_study
from geo.report.text import category_label
from geo.report.views import uses_roads
from geo.select import IncidentFilter, period_of, select_study
from geo.stats.rates import MIN_POPULATION, rate_notes, rate_per_100k, unit_rates

__all__ = ["TREND_MARKS", "compare_municipalities", "comparison_pdf", "comparison_png", "comparison_table",
           "municipality_name", "priority_text", "reach_text", "settlement_rates", "table_note", "years_of"]

# A priority category's trend against the year before: more, fewer, as many; none when that year has no data.
TREND_MARKS = {"up": "↑", "down": "↓", "same": "="}
_TITLE = N_("Municipalities side by side")


def municipality_name(layers: Mapping[str, gpd.GeoDataFrame], key: str, lang: str = "en") -> str:
    """The municipality's name in ``lang``: its workspace's ``municipality_ru``/``_ky``/``municipality``, else the
    boundaries' one area (``area_ru``/``area_ky``), else ``key``."""
    meta = _meta(layers)
    field = {"ru": "municipality_ru", "ky": "municipality_ky"}.get(lang, "municipality")
    for name in (meta.get(field), meta.get("municipality")):
        if name:
            return str(name)
    bounds = layers.get("boundaries")
    if bounds is not None and "area" in bounds and bounds["area"].nunique() == 1:
        local = {"ru": "area_ru", "ky": "area_ky"}.get(lang)
        if local and local in bounds and pd.notna(bounds[local].iloc[0]) and str(bounds[local].iloc[0]):
            return str(bounds[local].iloc[0])
        return str(bounds["area"].iloc[0])
    return key


def years_of(workspaces: Mapping[str, Mapping[str, gpd.GeoDataFrame]]) -> list[int]:
    """The calendar years with incidents in any of the municipalities, newest first."""
    found: set[int] = set()
    for layers in workspaces.values():
        inc = layers.get("incidents")
        if inc is not None and len(inc):
            found |= {p.start.year for p in periods_with_data(inc["occurred_at"], "year")}
    return sorted(found, reverse=True)


def compare_municipalities(workspaces: Mapping[str, Mapping[str, gpd.GeoDataFrame]], *, year: int | None = None,
                           radius: float = ReportOptions.radius, minutes: float | None = None,
                           off_road_kmh: float = ReportOptions.off_road_kmh) -> pd.DataFrame:
    """One row of figures per municipality for one calendar year.

    Parameters
    ----------
    workspaces : mapping of str to mapping of str to geopandas.GeoDataFrame
        Municipality key to its layers, as :func:`geo.report.study.read_layers` gives them.
    year : int, optional
        The calendar year; default the latest with incidents in any municipality. A municipality's year is
        the days of it that its data covers (:func:`geo.periods.period_days`), so a year the data stops in is
        not scaled as if it were whole.
    radius, minutes, off_road_kmh : float
        The service standard of a station, as the pack's (:class:`~geo.report.options.ReportOptions`):
        metres in a straight line, or minutes by road where the municipality has roads.

    Returns
    -------
    pandas.DataFrame
        In the order given: ``key``, ``municipality`` (English), ``municipality_ru``, ``municipality_ky``,
        ``start``, ``end`` (the days counted), ``incidents`` (in the settlements, that period),
        ``previous_incidents`` (the year before, ``<NA>`` when the data does not cover it), ``residents``
        (``<NA>`` when no settlement has a population), ``rate`` (per 100,000 residents a year, NaN where
        none), ``rate_note`` (why not, in English, "" where there is a rate), ``change`` (on the year
        before, a fraction, NaN where none), ``change_note``, ``priorities`` (a tuple of
        ``(category, incidents, previous, trend)``, trend ``"up"``, ``"down"``, ``"same"`` or None),
        ``stations``, ``covered`` (incidents within reach of a station), ``covered_share`` (0..1, NaN
        without incidents), ``standard`` (``"radius"`` or ``"drive time"``), ``reach`` (metres or
        minutes) and ``cameras``. ``attrs["year"]`` is the year.
    """
    year = year if year is not None else next(iter(years_of(workspaces)), dt.date.today().year)
    rows = [_row(key, layers, year=int(year), radius=radius, minutes=minutes, off_road_kmh=off_road_kmh)
            for key, layers in workspaces.items()]
    out = pd.DataFrame(rows, columns=_COLUMNS)
    for col in ("incidents", "stations", "covered", "cameras"):
        out[col] = out[col].astype(int)
    for col in ("previous_incidents", "residents"):
        out[col] = out[col].astype("Int64")
    for col in ("rate", "change", "covered_share", "reach"):
        out[col] = out[col].astype(float)
    out.attrs["year"] = int(year)
    return out


_COLUMNS = ["key", "municipality", "municipality_ru", "municipality_ky", "start", "end", "incidents",
            "previous_incidents", "residents", "rate", "rate_note", "change", "change_note", "priorities",
            "stations", "covered", "covered_share", "standard", "reach", "cameras"]


def _row(key: str, layers: Mapping[str, gpd.GeoDataFrame], *, year: int, radius: float, minutes: float | None,
         off_road_kmh: float) -> dict:
    inc = layers.get("incidents")
    span = period_of(inc) if inc is not None and len(inc) else None
    start, end = period_days(calendar_year(year), *(span or (None, None)))
    # the pack's study of the year: its settlements, incidents, stations, cameras and priority categories
    s = pack_study(layers, ReportOptions(start=start, end=end, radius=radius, minutes=minutes,
                                         off_road_kmh=off_road_kmh))
    f = IncidentFilter(start=start, end=end)
    units = s.units
    n = len(s.incidents)
    # the same days a year before (a year the data stops in compares with as much of the year before)
    before_f = IncidentFilter(start=_year_back(start), end=_year_back(end))
    covered_before = span is not None and span[0] <= before_f.start
    before = select_study(layers, before_f).incidents if covered_before else None
    previous = len(before) if before is not None else None
    pops = (pd.to_numeric(units["population"], errors="coerce").astype(float).fillna(0.0) if "population" in units
            else pd.Series(0.0, index=units.index))  # a missing figure is no resident known, never a count
    without = int((~(pops > 0)).sum()) if len(units) else 0
    residents = int(pops[pops > 0].sum()) if (pops > 0).any() else None
    rate, rate_note = float("nan"), ""
    if residents is None:
        rate_note = RATE_NO_POPULATION
    elif without:
        # residents missing from some settlements would make the rate look higher than it is: none, and why
        rate_note = MUNI_SOME_WITHOUT_POPULATION.format(n=str(without), total=str(len(units)))
    elif residents < MIN_POPULATION:
        rate_note = str(rate_notes(np.array([residents]))[0])
    else:
        rate = float(rate_per_100k(n, residents, days=f.days))
    change, change_note = float("nan"), ""
    if previous is None:
        change_note = MUNI_NO_PREVIOUS.format(year=str(year - 1))
    elif previous > 0:
        change = (n - previous) / previous
    else:  # from none to some is no percentage
        change_note = MUNI_NONE_BEFORE.format(year=str(year - 1))
    # the previous year's incidents by category, for the priorities' trends (as counted in the study)
    before = before["category"].value_counts() if before is not None else None
    now = s.incidents["category"].value_counts() if n else pd.Series(dtype=int)
    priorities = []
    for cat in s.options.priorities:
        c = int(now.get(cat, 0))
        p = int(before.get(cat, 0)) if before is not None else None
        trend = None if p is None else "up" if c > p else "down" if c < p else "same"
        priorities.append((cat, c, p, trend))
    # the pack's coverage: every station of the study, the same function and service standard
    by_road = uses_roads(s)
    stations = s.stations
    if n and len(stations):
        cov = (coverage_summary(s.incidents, stations, minutes=minutes, roads=s.network, off_road_kmh=off_road_kmh,
                                by=None) if by_road
               else coverage_summary(s.incidents, stations, radius=radius, by=None))
        covered, share = int(cov.overall["covered"]), float(cov.overall["share"])
    else:
        covered, share = 0, (0.0 if n else float("nan"))
    return {"key": key, "municipality": municipality_name(layers, key, "en"),
            "municipality_ru": municipality_name(layers, key, "ru"),
            "municipality_ky": municipality_name(layers, key, "ky"), "start": start, "end": end,
            "incidents": n, "previous_incidents": previous, "residents": residents, "rate": rate,
            "rate_note": rate_note, "change": change, "change_note": change_note, "priorities": tuple(priorities),
            "stations": len(stations), "covered": covered, "covered_share": share,
            "standard": "drive time" if by_road else "radius", "reach": float(minutes if by_road else radius),
            "cameras": len(s.cameras)}


def settlement_rates(layers: Mapping[str, gpd.GeoDataFrame], *, year: int) -> gpd.GeoDataFrame:
    """The municipality's settlements with ``count``, ``rate`` (per 100,000 residents a year) and ``rate_note``
    in ``year`` (the days of it the data covers), as :func:`geo.stats.rates.unit_rates` gives them."""
    inc = layers["incidents"]
    span = period_of(inc) if len(inc) else None
    start, end = period_days(calendar_year(year), *(span or (None, None)))
    study = select_study(layers, IncidentFilter(start=start, end=end))
    return unit_rates(study.incidents, study.units, days=(end - start).days + 1)


def reach_text(_: Tr, standard: str, reach: float) -> str:
    """The service standard in words, as the pack states it: "1,500 m" or "10 min by road"."""
    value = _.int(reach) if float(reach).is_integer() else _.num(reach, 1)
    return _("{minutes} min by road", minutes=value) if standard == "drive time" else _("{metres} m", metres=value)


def comparison_table(rows: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """:func:`compare_municipalities`'s rows as the page and the printed page show them, in ``lang``.

    Numbers stay numbers (so that a click on a header sorts them); the headers say the unit and period.
    """
    _ = Tr(lang)
    year = int(rows.attrs.get("year", 0))
    field = {"ru": "municipality_ru", "ky": "municipality_ky"}.get(lang, "municipality")
    reaches = {reach_text(_, s, r) for s, r in zip(rows["standard"], rows["reach"], strict=True)}
    reach = ", ".join(sorted(reaches)) if reaches else reach_text(_, "radius", ReportOptions.radius)
    out = pd.DataFrame({
        _("Municipality"): rows[field].astype(str).to_numpy(),
        _("Incidents in {year}", year=str(year)): rows["incidents"].astype(int).to_numpy(),
        _("Incidents in {year}", year=str(year - 1)): rows["previous_incidents"].astype("Int64").array,
        _("Change on {year}, %", year=str(year - 1)): (rows["change"] * 100).round(1).to_numpy(),
        _("Residents"): rows["residents"].astype("Int64").array,
        _("Rate per 100,000 residents a year, {year}", year=str(year)): rows["rate"].round(1).to_numpy(),
        _("Priority categories: incidents in {year} and trend", year=str(year)):
            [priority_text(_, p) for p in rows["priorities"]],
        _("Coverage: within {reach} of a station, {year}, %", reach=reach, year=str(year)):
            (rows["covered_share"] * 100).round(1).to_numpy(),
        _("Police stations"): rows["stations"].astype(int).to_numpy(),
        _("Video cameras"): rows["cameras"].astype(int).to_numpy(),
    })
    notes = [" ".join(_.message(t) for t in (r, c) if t) for r, c in zip(rows["rate_note"], rows["change_note"],
                                                                           strict=True)]
    if any(notes):
        out[_("Why a figure is missing")] = notes
    return out


def priority_text(_: Tr, priorities: Sequence[tuple[str, int, int | None, str | None]]) -> str:
    """"Burglary 412 ↑, Public order 380 ↓": each priority category, its incidents and its trend."""
    return ", ".join(f"{category_label(_, c)} {_.int(n)}" + (f" {TREND_MARKS[t]}" if t else "")
                     for c, n, _p, t in priorities)


def table_note(_: Tr, rows: pd.DataFrame) -> str:
    """What the table's figures are, under it on the page and on paper."""
    year = int(rows.attrs.get("year", 0))
    return _("Incidents registered in the settlements of each municipality in {year}; rates per 100,000 residents "
             "a year (none where settlements have no population); the plan's priority categories as each pack "
             "chooses them, with ↑ more, ↓ fewer, = as many incidents as in {previous}; within reach of a "
             "police station as the pack's coverage counts it.", year=str(year), previous=str(year - 1))


def _panels(rows: pd.DataFrame, maps: Mapping[str, gpd.GeoDataFrame], _: Tr) -> list[Panel]:
    field = {"ru": "municipality_ru", "ky": "municipality_ky"}.get(_.lang, "municipality")
    year = int(rows.attrs.get("year", 0))
    panels = []
    for row in rows.itertuples(index=False):
        rate = (_("{rate} per 100,000 a year", rate=_.int(row.rate)) if np.isfinite(row.rate)
                else _("no rate"))
        caption = _("{incidents} in {year}; {rate}", incidents=_.plural("{n} incident", "{n} incidents",
                                                                          int(row.incidents)),
                    year=str(year), rate=rate)
        units = maps[row.key]
        panels.append(Panel(title=getattr(row, field), caption=caption,
                            units=units.assign(value=units["rate"].astype(float))))
    return panels


def _figures(rows: pd.DataFrame, maps: Mapping[str, gpd.GeoDataFrame], *, lang: str, date: dt.date | None,
             source: str) -> list:
    _ = Tr(lang)
    year = int(rows.attrs.get("year", 0))
    title = _(_TITLE)
    subtitle = _.plural("{period} · {n} municipality", "{period} · {n} municipalities", len(rows),
                        period=label_of(dt.date(year, 1, 1), dt.date(year, 12, 31), lang=lang))
    maps_fig = multiples_figure(_panels(rows, maps, _), title=_("{title}: incidents per 100,000 residents a year",
                                                                title=title),
                                subtitle=subtitle, legend_title=_("Rate per 100,000 a year"), source=source,
                                date=date, lang=lang)
    table = comparison_table(rows, lang=lang)
    for col in table.columns:  # rates and percentages to one decimal on paper, as on the page ("–" for none)
        if pd.api.types.is_float_dtype(table[col]):
            table[col] = table[col].map(lambda v: "–" if pd.isna(v) else _.num(v, 1))
    tables = printmap.table_pages(table, title=f"{title} · {year}",
                                  note=table_note(_, rows), paper="a4-landscape", lang=lang)
    return [*tables, maps_fig]


def comparison_pdf(rows: pd.DataFrame, maps: Mapping[str, gpd.GeoDataFrame], *, lang: str = "en",
                   date: dt.date | None = None, source: str = printmap.DEFAULT_SOURCE) -> bytes:
    """The printable comparison as a PDF in the pack's format: the table, then the small-multiple maps,
    each page numbered at its foot.

    Parameters
    ----------
    rows : pandas.DataFrame
        From :func:`compare_municipalities`.
    maps : mapping of str to geopandas.GeoDataFrame
        Each municipality's :func:`settlement_rates`, by key.
    lang : {"en", "ru", "ky"}
    date : datetime.date, optional
        Printed in the footer; today by default.
    source : str
        The data source named in the footer.
    """
    _ = Tr(lang)
    figs = _figures(rows, maps, lang=lang, date=date, source=source)
    buf = io.BytesIO()
    with printmap.pdf_pages(buf, title=_(_TITLE)) as pdf:
        for number, fig in enumerate(figs, start=1):
            printmap.number_page(fig, _("Page {page} of {pages}", page=_.int(number), pages=_.int(len(figs))))
            pdf.savefig(fig)
            printmap.release(fig)
    return buf.getvalue()


def comparison_png(rows: pd.DataFrame, maps: Mapping[str, gpd.GeoDataFrame], *, lang: str = "en",
                   date: dt.date | None = None, source: str = printmap.DEFAULT_SOURCE, dpi: int = 150) -> bytes:
    """The small-multiple maps page of :func:`comparison_pdf` as a PNG (each panel captioned with its
    municipality's incidents and rate)."""
    _ = Tr(lang)
    year = int(rows.attrs.get("year", 0))
    fig = multiples_figure(_panels(rows, maps, _),
                           title=_("{title}: incidents per 100,000 residents a year", title=_(_TITLE)),
                           subtitle=label_of(dt.date(year, 1, 1), dt.date(year, 12, 31), lang=lang),
                           legend_title=_("Rate per 100,000 a year"), source=source, date=date, lang=lang)
    buf = io.BytesIO()
    printmap.save_figure(fig, buf, format="png", dpi=dpi)
    printmap.release(fig)
    return buf.getvalue()


def _year_back(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for a 29th)."""
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _meta(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, str]:
    for frame in layers.values():
        info = getattr(frame, "attrs", {}).get(WORKSPACE_ATTR)
        if info:
            return dict(info.get("meta") or {})
    return {}
