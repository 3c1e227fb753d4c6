"""Colours and labels shared by every map layer and legend."""

from __future__ import annotations

from geo.schema import CATEGORIES

# Categorical palette (ColorBrewer Set1/Dark2 family), readable on light tiles.
CATEGORY_COLORS: dict[str, str] = dict(zip(CATEGORIES, (
    "#e41a1c",  # public_order
    "#377eb8",  # burglary
    "#ff7f00",  # road_traffic
    "#984ea3",  # juvenile
    "#a65628",  # livestock_theft
    "#f781bf",  # domestic_violence
    "#1b1b1b",  # extremism
    "#7f7f7f",  # other
), strict=True))

# Sequential ramp for rates (ColorBrewer YlOrRd, 5 classes).
YLORRD5 = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#d9d9d9"

STATION_ICONS: dict[str, tuple[str, str]] = {  # kind -> (marker colour, Font Awesome icon)
    "headquarters": ("darkblue", "building-shield"),
    "station": ("blue", "shield-halved"),
    "post": ("cadetblue", "flag"),
    "prevention_centre": ("green", "people-group"),
}
STATION_LABELS = {
    "headquarters": "Police headquarters",
    "station": "Police station",
    "post": "Police post",
    "prevention_centre": "Crime-prevention centre",
}

ROAD_WEIGHTS = {"motorway": 5, "primary": 4, "secondary": 3, "tertiary": 2, "residential": 1}
