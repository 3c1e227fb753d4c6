"""What a publication holds: a map or the pack, made from masked data only, with how it was made.

The files are made by the functions the Export page and the pack use (:func:`geo.report.map_content`,
:func:`geo.report.view_figure`, :func:`geo.report.build_pack`), so a published map is the map an analyst
previewed, drawn from what a viewer may see. The incidents must carry the masking's record
(``attrs["privacy"]``, set by :func:`geo.privacy.viewer_layer`): recorded incidents are refused, so no
publication can hold an exact location, a description or a registry number, whoever asks.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.i18n import Tr
from geo.io.provenance import source_in
from geo.messages import PUBLISH_NOT_MASKED
from geo.plain import plain
from geo.privacy import PrivacyReport
from geo.report import build_pack, map_content, view_figure
from geo.report.data import _stem, file_words
from geo.report.options import MapView, ReportOptions

__all__ = ["check_masked", "map_files", "pack_files", "publication_params"]

MAP_DPI = 150


def check_masked(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, Any]:
    """The masking's record of ``layers["incidents"]``; a ValueError when the incidents are the recorded ones."""
    incidents = layers.get("incidents")
    record = getattr(incidents, "attrs", {}).get("privacy") if incidents is not None else None
    if not record or not record.get("method"):
        raise ValueError(PUBLISH_NOT_MASKED)
    return dict(record)


def map_files(layers: Mapping[str, gpd.GeoDataFrame], *, kind: str, options: ReportOptions,
              category: str | None = None, title: str | None = None) -> tuple[MapView, dict[str, tuple[str, bytes]]]:
    """One map of masked ``layers`` as a PNG picture and a PDF page, named in ``options.lang``.

    ``options`` are those of a viewer's pack (``min_count`` set: the hot spot cells of few incidents
    withheld); they are resolved here against the layers, as the pack resolves them.

    Returns
    -------
    (MapView, dict)
        The view (its parameters and tables) and file name → (media type, bytes).
    """
    check_masked(layers)
    resolved = options.resolve(layers)
    view = map_content(kind, layers, options=resolved, category=category)
    fig = view_figure(view, options=resolved, title=title)
    files = {}
    stem = _stem(file_words(Tr(resolved.lang)), view)  # hotspots_burglary, очаги_квартирные_кражи
    for fmt, media in (("png", "image/png"), ("pdf", "application/pdf")):
        buf = io.BytesIO()
        from geo.printmap import save_figure  # matplotlib: loaded when a map is drawn, not when this is imported

        save_figure(fig, buf, format=fmt, dpi=MAP_DPI)
        files[f"{stem}.{fmt}"] = (media, buf.getvalue())
    fig.clear()
    return view, files


def pack_files(layers: Mapping[str, gpd.GeoDataFrame], *, options: ReportOptions) -> dict[str, tuple[str, bytes]]:
    """The action-plan pack of masked ``layers``: its PDF, named in ``options.lang``."""
    check_masked(layers)
    with tempfile.TemporaryDirectory(prefix="koopsuz-publish-") as tmp:
        name = "_".join(Tr(options.lang).ctx("file name", "action_plan").split()) + ".pdf"
        result = build_pack(layers, Path(tmp) / name, options=options)
        return {name: ("application/pdf", result.paths["pdf"].read_bytes())}


def publication_params(layers: Mapping[str, gpd.GeoDataFrame], *, options: ReportOptions,
                       view: MapView | None = None) -> dict[str, Any]:
    """How a publication was made, as stored with it: the study, the language, the masking and its measures.

    The masking's lines (method, distances, k-anonymity) are stored in the publication's language, as they
    were true when it was made: a reader sees what protected the published map, not today's settings.
    """
    privacy = check_masked(layers)
    resolved = options.resolve(layers)
    out: dict[str, Any] = {
        "area": resolved.area, "units": list(resolved.units or []), "categories": list(resolved.categories or []),
        "start": resolved.start, "end": resolved.end, "lang": resolved.lang, "min_count": resolved.min_count,
        "source": source_in(resolved.source, lang=resolved.lang), "privacy": privacy,
        "privacy_lines": PrivacyReport.of(layers["incidents"]).lines(lang=resolved.lang),
    }
    if view is not None:
        out["view"] = {k: v for k, v in view.params.items() if k not in ("privacy",)}
        out["subtitle"] = view.subtitle
    return plain(out)


def viewer_options(options: ReportOptions, *, min_count: int) -> ReportOptions:
    """``options`` for a viewer's files: hot spot cells of fewer than ``min_count`` incidents withheld."""
    return replace(options, min_count=int(min_count))
