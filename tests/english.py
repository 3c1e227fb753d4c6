"""English words in text written for Russian or Kyrgyz readers.

The language tests (the pages in a real browser, the pack through ``pdftotext``) fail when a Russian or
Kyrgyz page shows an English word that is not on :data:`ALLOWED`: proper names that have no translation,
units and file formats, and the names of methods that the text gives in brackets after the plain words
("Зоны устойчивой концентрации (Gi*)"). Keep the list short: every entry is a word a council member
reading Russian or Kyrgyz is expected to meet.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# Lower case. One line per reason, so a reviewer sees why each word may stay.
ALLOWED = frozenset({
    # the product and the names of software and data sources that have no translation
    "koopsuz", "openstreetmap", "osm", "leaflet", "highs",
    # file formats and coordinate systems
    "pdf", "png", "csv", "tsv", "txt", "xlsx", "xls", "json", "geojson", "gpkg", "geopackage", "geotiff", "tif",
    "tiff", "kml", "zip", "epsg", "wgs", "utm", "utc", "crs", "svg", "html", "shapefile", "utf", "windows",
    # programs and a key named as they are written on screen and keyboard; Kyrg-06 and CP1251 are proper names
    "qgis", "arcgis", "excel", "enter", "kyrg", "cp",
    # ArcGIS Pro and the Near Repeat Calculator (Ratcliffe's program): names of programs
    "pro", "near", "repeat", "calculator",
    # units
    "km", "min", "pt", "mb", "dpi",
    # method names given in brackets after the plain words
    "gi", "lisa", "fdr", "mclp", "lscp", "getis", "ord", "moran", "bandwidth", "distance", "band", "kde",
    "silverman", "median", "wdd", "wdq", "sso",
    "knox", "mann", "kendall", "pai", "pei", "manhattan", "euclidean",
    # Roman numerals of quarters, as Russian and Kyrgyz write them («III квартал 2017»)
    "ii", "iii", "iv",
})

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def english_words(text: str, *, allow: Iterable[str] = ()) -> Counter[str]:
    """Latin-script words of ``text`` (two letters or more) that are not allowed, with their counts.

    Single letters are left out: they are symbols (``k``, ``p``, ``z``, ``m``), not words.
    """
    allowed = ALLOWED | {a.lower() for a in allow}
    found = Counter(w for w in (m.group(0).strip("'’") for m in _WORD.finditer(text))
                    if len(w) >= 2 and w.lower() not in allowed)
    return found
