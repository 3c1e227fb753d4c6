"""Every page of a printed pack rendered and checked, not only its cover.

A map page must show its analysis layer in that layer's own colour (from :mod:`geo.palette`), in a quantity
that the boundaries, roads and labels alone cannot give: they are drawn in greys and dark text, so none of
their pixels matches a hot spot bin, a rate class, the coverage blue, the gap red or the proposed green. A
table or text page must hold text. The page count is exact: the pack's own plan (the views in ``params``, a
page per table, the methods), plus the pages a long table or text runs over, each titled as a continuation.

The expectations come from the pack's parameters and the palette, never from today's numbers, so they hold
when the data, the colours or the analyses change.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.colors as mcolors
import numpy as np
import pytest
from PIL import Image

from geo import palette
from geo.printmap.style import BASE_GROUND, BASE_LAND, DENSITY_ALPHA, DENSITY_CMAP
from geo.report.pack import TABLE_PAGES

DPI = 100
# Colour distance (0-255, per channel) of a pixel to an expected blend: antialiased edges fall outside it,
# flat fills inside.
TOLERANCE = 6
# The fewest pixels (at DPI) of an analysis colour that count as "drawn": one hot cell of a city's
# 100-200 m grid on a city-wide A4 map covers a few dozen; the colours of the other layers match no more
# than a handful of stray edge pixels (measured: at most 9 at 50 dpi, over the rate classes).
MIN_PIXELS = 30
# The fewest pixels of an absent analysis colour that would mean it is drawn after all.
STRAY = 30


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} (poppler-utils) is needed to check the PDF: apt-get install poppler-utils")
    return path


def render(pdf: Path, tmp: Path, *, dpi: int = DPI) -> list[np.ndarray]:
    """Every page of ``pdf`` as an RGB array (pdftoppm), in page order."""
    out = tmp / f"{pdf.stem}_pages"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([poppler("pdftoppm"), "-r", str(dpi), "-png", str(pdf), str(out / "p")], check=True,
                   capture_output=True)
    files = sorted(out.glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
    return [np.asarray(Image.open(f).convert("RGB")).astype(np.int16) for f in files]


def page_texts(pdf: Path) -> list[str]:
    """Each page's text, by pdftotext."""
    text = subprocess.run([poppler("pdftotext"), "-enc", "UTF-8", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[:-1]


def _rgb(color: str | Sequence[float]) -> np.ndarray:
    return np.asarray(mcolors.to_rgb(color)) * 255


def map_frame(img: np.ndarray) -> np.ndarray | None:
    """The map frame of a page: the box of the vector base's ground colour, or None on a page without a map."""
    ground = np.abs(img - _rgb(BASE_GROUND)).max(axis=-1) <= 2
    if ground.mean() < 0.05:
        return None
    ys, xs = np.nonzero(ground)
    return img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def palette_of(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct colours of ``frame`` and how many pixels have each (a map holds a few thousand colours, so
    the colour tests below run on them, not on every pixel)."""
    rgb = frame.reshape(-1, 3).astype(np.int32)
    keys, counts = np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2], return_counts=True)
    return np.stack([keys >> 16, (keys >> 8) & 255, keys & 255], axis=1), counts


def colour_pixels(frame: np.ndarray | tuple[np.ndarray, np.ndarray], colors: Iterable[str | Sequence[float]],
                  alpha: float) -> int:
    """Pixels of ``frame`` (or its :func:`palette_of`) that show one of ``colors`` laid with ``alpha`` over the
    base (land or ground)."""
    colours, counts = palette_of(frame) if isinstance(frame, np.ndarray) else frame
    hit = np.zeros(len(colours), dtype=bool)
    for color in colors:
        for base in (BASE_LAND, BASE_GROUND):
            want = alpha * _rgb(color) + (1 - alpha) * _rgb(base)
            hit |= np.abs(colours - want).max(axis=-1) <= TOLERANCE
    return int(counts[hit].sum())


def density_colors() -> list[tuple[float, float, float]]:
    import matplotlib

    cmap = matplotlib.colormaps[DENSITY_CMAP]
    return [cmap(i / 255)[:3] for i in range(0, 256, 4)]


HOT = [palette.BIN_COLORS[b] for b in (1, 2, 3)]
COLD = [palette.BIN_COLORS[b] for b in (-1, -2, -3)]
RATES = sorted({c for k in range(1, 6) for c in palette.class_colors(k)})


def analysis_pixels(frame: np.ndarray) -> dict[str, int]:
    """The pixels of each analysis colour in a map frame, with the alpha each layer is drawn with
    (:mod:`geo.printmap.layers`)."""
    frame = palette_of(frame)
    return {"rates": colour_pixels(frame, RATES, 0.8),
            "hot": colour_pixels(frame, HOT, 0.75),
            "cold": colour_pixels(frame, COLD, 0.75),
            "density": colour_pixels(frame, density_colors()[8:], DENSITY_ALPHA),  # the faintest are base-like
            "covered": colour_pixels(frame, [palette.COVERED], 0.18),
            "gap": colour_pixels(frame, [palette.GAP], 0.35),
            "proposed": colour_pixels(frame, [palette.PROPOSED], 1.0),
            "proposed_reach": colour_pixels(frame, [palette.PROPOSED], 0.18),
            "emerging": colour_pixels(frame, [palette.EMERGING_COLORS[k] for k in
                                              ("new_hot", "consecutive_hot", "intensifying_hot", "persistent_hot",
                                               "sporadic_hot")], 0.8),
            "perception": colour_pixels(frame, [palette.PERCEPTION_COLORS[k] for k in
                                                    ("high_both", "high_perceived", "high_recorded")], 0.8)}


def check_map(name: str, params: Mapping[str, Any], frame: np.ndarray) -> dict[str, int]:
    """The analysis layer of the map ``name`` (a key of the pack's ``params``) is drawn in its colour: present
    when the analysis found something, absent when it found nothing."""
    px = analysis_pixels(frame)

    def drawn(key: str, expected: bool) -> None:
        if expected:
            assert px[key] >= MIN_PIXELS, f"{name}: its {key} layer is not on the map ({px})"
        else:
            assert px[key] < STRAY, f"{name}: {key} drawn though the analysis found none ({px})"

    if name == "overview":
        drawn("rates", "rates" in params and params.get("settlements", 0) > 0)
        drawn("covered", False)
    elif name.startswith("hotspots"):
        if params.get("method") == "density":
            drawn("density", "bandwidth_m" in params)
        else:
            drawn("hot", params.get("hot_cells", 0) > 0)
            if params.get("cold_cells", 0) > 0:  # not the other way: the cold bins' grey-blues are near the
                drawn("cold", True)              # antialiased edges of grey roads, a dozen stray pixels a map
        drawn("rates", False)
    elif name == "coverage":
        drawn("covered", params.get("stations", 0) > 0)  # the stations' reach, drawn whatever it holds
        drawn("gap", params.get("gaps", 0) > 0)
        drawn("proposed", False)
    elif name == "sites":
        # the sites themselves (their reach is a few pixels wide on a rural area's map: not required)
        drawn("proposed", params.get("sites", 0) > 0)
        # a proposed site is a solid green disc of about 11 pt, some 100 pixels at DPI: more than the dashed green
        # outlines of the sites' reach give (about 50 on the demo's Jeti-Oguz map without the discs)
        assert px["proposed"] >= 50 * params.get("sites", 0), f"{name}: the sites layer is not on the map ({px})"
    elif name == "emerging":
        drawn("emerging", params.get("coloured", 0) > 0)
    elif name.startswith("perception"):
        # the settlements in their classes of perceived against recorded (grey ones only when none has a class)
        drawn("perception", params.get("classified", 0) > 0)
        drawn("rates", False)
    else:
        pytest.fail(f"a map page the checks do not know: {name}")
    return px


# the pack's params that are not map views
NOT_VIEWS = ("options", "evaluations", "evaluation_charts", "perception", "analyses", "analysis_tables",
             "analysis_charts")


def expected_first_pages(params: Mapping[str, Any]) -> int:
    """The pack's plan (geo.report.pack): the cover, a page per view, a first page per table (the settlements'
    with boundaries, the cameras' with cameras), the methods."""
    views = [k for k in params if k not in NOT_VIEWS]
    tables = TABLE_PAGES + int(params["overview"].get("settlements", 0) > 0) + int(
        params["coverage"].get("cameras", 0) > 0) + len(params.get("perception", ())) + len(
        params.get("analysis_tables", ())) + len(params.get("analysis_charts", ()))
    judged = len(params.get("evaluations", ())) + len(params.get("evaluation_charts", ()))
    return 1 + len(views) + tables + judged + 1


def check_pack(pdf: Path, pages: int, titles: Sequence[str], params: Mapping[str, Any], tmp: Path) -> None:
    """Every page of the pack rendered and checked; the page count exact.

    Pages 2 to 1 + the number of views are maps in the plan's order (the views of ``params``), each with its
    analysis layer in its colour; every other page is text (the cover, the tables, the methods) without a map
    and with its words; each page past the plan's first pages continues the table or text before it (its title
    holds that table's title, in any language).
    """
    images = render(pdf, tmp)
    texts = page_texts(pdf)
    assert len(images) == len(texts) == pages == len(titles)
    views = [k for k in params if k not in NOT_VIEWS]
    firsts: list[str] = []
    for i, (img, text, title) in enumerate(zip(images, texts, titles, strict=True)):
        frame = map_frame(img)
        words = [w for w in text.split() if any(c.isalpha() for c in w)]
        if 1 <= i <= len(views):
            assert frame is not None, f"page {i + 1} ({title}) should be a map"
            check_map(views[i - 1], params[views[i - 1]], frame)
            firsts.append(title)
        else:
            assert frame is None, f"page {i + 1} ({title}) should have no map"
            assert len(words) >= 8, f"page {i + 1} ({title}) is nearly blank: {text!r}"
            # a continuation holds the title of the table or text it continues
            if not (i > len(views) + 1 and title != firsts[-1] and firsts[-1] in title):
                firsts.append(title)
        # ink on every page, not on the cover only
        assert (img.min(axis=-1) < 200).mean() > 0.002, f"page {i + 1} ({title}) is blank"
    assert len(firsts) == expected_first_pages(params), firsts
