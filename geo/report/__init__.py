"""The action-plan pack: print maps, the tables behind them and one PDF, from a workspace's layers.

A local crime-prevention action plan is adopted by a council on paper. This
package runs the platform's analyses for one study area (an area or chosen
settlements, a period, categories) with the parameters of the app's pages,
and turns each into a print map (:class:`geo.content.MapContent`) with its
tables and the parameters actually used:

* ``"overview"``: incidents, stations, cameras and roads over the
  settlements, coloured by their Empirical Bayes rate per 100,000 residents
  a year when the boundaries have a population (the rates are a variant of
  the overview rather than a map of their own: the council reads "where" and
  "how much for the people living there" on one page);
* ``"hotspots"``: Getis-Ord Gi* hot and cold spots (or a kernel density) of
  the incidents, one map per priority category;
* ``"coverage"``: the stations' service areas (a straight-line radius) and
  the coverage gaps, hot ground that no station reaches;
* ``"sites"``: ``k`` new sites chosen by the maximal covering location
  problem (MCLP) among grid candidates in the settlements, the existing
  stations kept, with today against the proposal.

:func:`build_pack` assembles them into one deterministic PDF (cover with a
table of contents, maps, tables, a methods page in plain words) and a zip of
the map images and tables. The study area is always the selected
settlements (:func:`geo.select.select_study`): stations, cameras and roads are
those that touch them, and incidents outside every settlement are left out
(``params["incidents_outside"]``).

Modules: :mod:`~geo.report.options` (options and result types),
:mod:`~geo.report.study` (the study), :mod:`~geo.report.views` (the maps),
:mod:`~geo.report.tables` (tables shared with the pages),
:mod:`~geo.report.data` (files), :mod:`~geo.report.pack` (the PDF),
:mod:`~geo.report.text` (words and numbers).
"""

from __future__ import annotations

import importlib
from typing import Any

# Where each public name lives. Loaded on first use (PEP 562), so that a page importing the tables it
# shares with the pack (geo.report.tables) does not load matplotlib through the pack's modules.
_HOMES = {
    "XLSX_NAME": "data", "export_data": "data", "export_tables": "data",
    "ANALYSES": "options", "DEFAULT_PRIORITIES": "options", "HOTSPOT_METHODS": "options", "LABEL_FIELDS": "options", "MAP_KINDS": "options",
    "MapView": "options", "PackResult": "options", "ReportOptions": "options",
    "PAGE_ROWS": "pack", "TABLE_PAGES": "pack", "TOP_GAPS": "pack", "build_pack": "pack", "view_figure": "pack",
    "WORKSPACE_ATTR": "study", "read_layers": "study", "study_layers": "study",
    "TOP_CELLS": "tables",
    "CONFIDENCE": "text", "LISA_WORDS": "text",
    "LISA_PERMUTATIONS": "views", "map_content": "views",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        msg = f"module 'geo.report' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"geo.report.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "ANALYSES",
    "CONFIDENCE",
    "DEFAULT_PRIORITIES",
    "HOTSPOT_METHODS",
    "LABEL_FIELDS",
    "LISA_PERMUTATIONS",
    "LISA_WORDS",
    "MAP_KINDS",
    "PAGE_ROWS",
    "TABLE_PAGES",
    "TOP_CELLS",
    "TOP_GAPS",
    "WORKSPACE_ATTR",
    "XLSX_NAME",
    "MapView",
    "PackResult",
    "ReportOptions",
    "build_pack",
    "export_data",
    "export_tables",
    "map_content",
    "read_layers",
    "study_layers",
    "view_figure",
]
