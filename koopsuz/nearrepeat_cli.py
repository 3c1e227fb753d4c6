"""``python -m geo nearrepeat EVENTS ...``: near repeats, the Knox test as the Near Repeat Calculator defines it.

::

    python -m geo nearrepeat EVENTS --space-bands 0,1,100,200,300 --time-bands 0,7,14,21 \\
        [--crs EPSG] [--distance manhattan|euclidean] [--permutations 999] [--seed S] [--json]

EVENTS is any file ``geo import`` reads (CSV, TSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile, KML) with a
point and a date per row; nothing else is needed (no category). Columns are found as the importer finds
them (``--map date=COLUMN``, ``--map x=COLUMN`` where the headers say nothing). A row without a usable point
or date is an error naming its row: the test counts pairs of events, so a row left out silently would
change every count. Distances are measured in the file's own CRS when it is projected (as the Calculator
measures them), else in the local UTM zone.

``--json`` prints one object: ``observed``, ``expected``, ``ratio``, ``p`` and ``significance`` as lists of
rows (space bands) of columns (time bands), the last band of each open-ended; ``bands`` (``[from, to)``, to
``null`` for the open band), ``labels``, ``distance``, ``crs``, ``events``, ``pairs``, ``permutations`` and
``seed``. The text output is the table of Knox ratios, starred (and coloured on a terminal) by p-value, and
the table of p-values.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


_COLOURS = {1: "\033[33m", 2: "\033[1;31m"}  # p <= 0.05 yellow, p <= 0.01 bold red
_STARS = {0: "", 1: "*", 2: "**"}


def read_events(path: str | Path, *, crs: str | int | None = None, mapping: dict[str, str] | None = None,
                date_order: str | None = None):  # noqa: ANN201 - a GeoDataFrame (geopandas imported lazily)
    """EVENTS as a GeoDataFrame of points in the file's own CRS with a ``date`` column, indexed by row number
    (:func:`geo.io.pointfile.read_points`: the importer's readers and parsers, no category, the CRS kept)."""
    from geo.io.pointfile import read_points

    events = read_points(path, crs=crs, mapping=mapping, date=True, date_order=date_order)
    return events[["date", events.geometry.name]]


def _crs(value: str | int, source: str):  # noqa: ANN202 - a pyproj CRS
    from geo.io.pointfile import parse_crs

    return parse_crs(value, source)


def _check(args: argparse.Namespace) -> None:
    """Refuse bad bands, --crs or --map before the file is read (naming the file, as the other commands do)."""
    from geo.io.mapping import parse_map_args
    from geo.spacetime.nearrepeat import parse_bands

    label = Path(args.file).name
    parse_bands(args.space_bands, name="--space-bands")
    parse_bands(args.time_bands, name="--time-bands", whole=True)
    args.mapping = parse_map_args(args.map or [], layer="incidents", source=label)
    if args.crs is not None:
        _crs(args.crs, label)


def _nearrepeat(args: argparse.Namespace) -> int:
    from geo.spacetime.nearrepeat import near_repeat, parse_bands

    if getattr(args, "mapping", None) is None:  # called without the command line's check
        _check(args)
    events = read_events(args.file, crs=args.crs, mapping=args.mapping, date_order=args.date_order)
    result = near_repeat(events, date_column="date", space_bands=parse_bands(args.space_bands, name="--space-bands"),
                         time_bands=parse_bands(args.time_bands, name="--time-bands", whole=True),
                         distance=args.distance, permutations=args.permutations, seed=args.seed)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return 0
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    print_table(result, colour=colour)
    return 0


def print_table(result, *, colour: bool = False) -> None:  # noqa: ANN001 - a KnoxResult
    """The Knox ratios, starred and (on a terminal) coloured by p-value, then the p-values."""
    r = result
    print(f"Near repeats (Knox test): {r.events:,} events, {r.pairs:,} pair{'' if r.pairs == 1 else 's'}, "
          f"{r.distance} distance in {r.crs}, "
          f"{r.permutations:,} permutations of the dates (seed {r.seed})")
    level = r.significance
    ratio = [[("-" if v != v else f"{v:.2f}") + _STARS[int(s)] for v, s in zip(row, lev, strict=True)]
             for row, lev in zip(r.ratio.tolist(), level.tolist(), strict=True)]
    print("\nKnox ratio (observed pairs / mean over the permutations; * p <= 0.05, ** p <= 0.01; "
          "- where no permutation had a pair):")
    _grid(r.space_labels, r.time_labels, ratio, level if colour else None)
    print("\np = (1 + permutations with at least the observed pairs) / (permutations + 1):")
    _grid(r.space_labels, r.time_labels, [[f"{v:.3f}" for v in row] for row in r.p.tolist()],
          level if colour else None)


def _grid(rows: tuple[str, ...], cols: tuple[str, ...], cells: list[list[str]], level) -> None:  # noqa: ANN001
    head = "distance \\ days apart"
    first = max(len(head), *(len(s) for s in rows))
    widths = [max(len(c), *(len(cells[i][k]) for i in range(len(rows)))) for k, c in enumerate(cols)]
    print(head.ljust(first) + " | " + " | ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True)))
    print("-" * first + "-+-" + "-+-".join("-" * w for w in widths))
    for i, name in enumerate(rows):
        out = []
        for k, w in enumerate(widths):
            text = cells[i][k].rjust(w)  # padded before colouring: escape codes have no width
            lev = 0 if level is None else int(level[i][k])
            out.append(f"{_COLOURS[lev]}{text}\033[0m" if lev else text)
        print(name.ljust(first) + " | " + " | ".join(out))


def add_nearrepeat_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``nearrepeat`` to the command line."""
    n = sub.add_parser("nearrepeat", help="near repeats: the Knox test over space and time bands (as the Near "
                                          "Repeat Calculator, with exact band labels)")
    n.add_argument("file", metavar="EVENTS", help="CSV, TSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile or KML: "
                                                  "a point and a date per row")
    n.add_argument("--space-bands", required=True, metavar="E0,E1,...",
                   help="edges in metres, e.g. 0,1,100,200,300: bands [0, 1), [1, 100), ..., [300, inf)")
    n.add_argument("--time-bands", required=True, metavar="E0,E1,...",
                   help="edges in whole days, e.g. 0,7,14,21: bands [0, 7), [7, 14), [14, 21), [21, inf)")
    n.add_argument("--crs", help="EPSG code of the coordinates when the file does not say (e.g. 4326, 32643, 7694); "
                                 "distances are measured in it when it is projected, else in the local UTM zone")
    n.add_argument("--distance", choices=("manhattan", "euclidean"), default="manhattan",
                   help="Manhattan (the Calculator's default) or Euclidean (default manhattan)")
    n.add_argument("--permutations", type=int, default=999, help="shuffles of the dates (default 999)")
    n.add_argument("--seed", type=int, default=0, help="random seed: the same seed, the same table (default 0)")
    n.add_argument("--map", action="append", metavar="ROLE=COLUMN",
                   help="which column holds what, e.g. date=Дата, x=EASTING (repeatable)")
    n.add_argument("--date-order", help="order of ambiguous dates: dmy, mdy, ymd ... (default: from the values)")
    n.add_argument("--json", action="store_true", help="print the result as JSON")
    n.set_defaults(func=_nearrepeat, check=_check, mapping=None)
