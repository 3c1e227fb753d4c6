"""Colours and labels shared by every map layer and legend."""

from __future__ import annotations

# One palette for the web maps and the print maps (geo.printmap): defined in geo.palette.
from geo.palette import (  # noqa: F401 - re-exported for the layers
    CATEGORY_COLORS,
    NO_DATA,
    ROAD_WEIGHTS,
    STATION_ICONS,
    STATION_LABELS,
    YLORRD5,
)
