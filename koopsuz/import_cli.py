"""``python -m geo import ...``: a file into a workspace layer, every row accounted for.

Kept beside :mod:`koopsuz.cli` so that module stays one screenful of commands per concern.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from geo.io.workspaces import open_workspace
from geo.schema import LAYERS


def _import(args: argparse.Namespace) -> int:
    from geo.io.importer import ImportOptions, commit, prepare
    from geo.io.mapping import parse_map_args

    ws = open_workspace(args.workspace)
    leftovers = ws.remove_leftovers()  # a killed import's temporary copy, if no import is running now
    opts = ImportOptions(crs=args.crs, mapping=parse_map_args(args.map or []), date_order=args.date_order,
                         encoding=args.encoding, delimiter=args.delimiter, source_layer=args.source_layer,
                         area=args.area, own_labels=bool(getattr(args, "own_labels", False)))
    result = prepare(args.file, args.layer, options=opts, workspace=ws)
    if not args.dry_run:
        commit(result, ws, mode=args.mode, options=opts)  # counts below are what was committed
    counts = result.counts()
    if args.json:
        print(json.dumps({**counts, "workspace": ws.label, "mode": args.mode, "written": not args.dry_run,
                          "mapping": result.mapping, "crs": result.summary.get("crs"),
                          "leftovers": {"files": len(leftovers.files), "bytes": leftovers.nbytes}},
                         ensure_ascii=False))
        return 0
    verb = "checked (dry run, nothing written)" if args.dry_run else f"imported into {ws.label} ({args.mode})"
    print(f"{counts['source']} as {args.layer}: {verb}")
    print(f"  read {counts['read']:,}, accepted {counts['accepted']:,} "
          f"(of which repaired {counts['repaired']:,}), rejected {counts['rejected']:,}")
    print("  columns: " + ", ".join(f"{k}={v}" for k, v in result.mapping.items()))
    for note in [*result.summary.get("notes", []), *([leftovers.message] if leftovers else [])]:
        print(f"  note: {note}")
    for reason, n in list(counts["reasons"].items())[:10]:
        print(f"  rejected {n:,}: {reason}")
    if len(result.rejected):
        r = result.rejected.iloc[0]
        print(f"  first rejected: row {r['row']}, {r['field']}: {r['reason']}")
    return 0


def _check_import(args: argparse.Namespace) -> None:
    """Refuse a bad ``--delimiter``, ``--encoding``, ``--map`` or ``--crs`` before the file is read, naming the file."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    from geo.io.decode import check_encoding
    from geo.io.mapping import parse_map_args
    from geo.io.text import check_delimiter

    label = Path(args.file).name
    if args.delimiter is not None:
        check_delimiter(args.delimiter, label)
    if args.encoding is not None:
        check_encoding(args.encoding, label)
    parse_map_args(args.map or [], layer=args.layer, source=label)
    if args.crs is not None:
        code = str(args.crs).strip()
        try:
            CRS.from_user_input(f"EPSG:{code}" if code.isdigit() else code)
        except (CRSError, ValueError, TypeError) as exc:
            msg = (f"{label}: --crs {args.crs!r} is not a coordinate reference system PROJ knows; give an EPSG code "
                   "such as 4326 (longitude/latitude), 32643 (UTM 43N) or 7694 (Kyrg-06)")
            raise ValueError(msg) from exc


def add_import_parser(sub: argparse._SubParsersAction, *, workspace_help: str) -> None:
    """Add ``import`` to the command line."""
    i = sub.add_parser("import", help="import a file into a workspace layer, keeping every row accounted for")
    i.add_argument("layer", choices=list(LAYERS), help="layer type")
    i.add_argument("file", help="CSV, TSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile or KML")
    i.add_argument("--workspace", help=workspace_help)
    i.add_argument("--municipality", help="the municipality's key (a file of the folder or a schema of the database); "
                                          "a new key creates its workspace")
    i.add_argument("--crs", help="EPSG code of the coordinates when the file does not say (e.g. 4326, 32643, 7694)")
    i.add_argument("--map", action="append", metavar="FIELD=COLUMN",
                   help="which column holds a field (repeatable), e.g. --map date=Дата --map lat=Y")
    i.add_argument("--mode", choices=("replace", "append"), default="replace", help="replace the layer or add to it")
    i.add_argument("--date-order", choices=("dmy", "mdy", "ymd", "ydm"), help="order of ambiguous dates")
    i.add_argument("--encoding", help="text encoding, e.g. utf-16 for Excel's Unicode text (detected: UTF-8, UTF-8 "
                                      "with BOM, UTF-16 with BOM, CP1251)")
    i.add_argument("--delimiter", help="CSV delimiter: one character, or 'tab' (detected)")
    i.add_argument("--source-layer", help="layer or sheet to read from a file with several")
    i.add_argument("--area", help="municipality of imported boundaries (default: the file name)")
    i.add_argument("--own-labels", action="store_true",
                   help="incidents: keep the file's own offence labels as categories (each distinct label becomes "
                        "a category of the workspace's list) instead of mapping them to the list's categories")
    i.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    i.add_argument("--json", action="store_true", help="print one JSON object")
    i.set_defaults(func=_import, check=_check_import)
