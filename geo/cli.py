"""Command line: `python -m geo COMMAND ...` for batch work and automation.

Each command is a thin wrapper over library functions; errors the user can fix
print one clear line to stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from pathlib import Path

from geo.schema import LAYERS, SchemaError
from geo.store import Workspace, WorkspaceError

USER_ERRORS = (SchemaError, WorkspaceError, ValueError, FileNotFoundError, PermissionError)
DEFAULT_WORKSPACE = Path("data") / "workspace.gpkg"


def _demo(args: argparse.Namespace) -> int:
    from geo.demo import write_demo

    t0 = time.perf_counter()
    path = write_demo(args.out, scale=args.scale, seed=args.seed)
    ws = Workspace(path)
    counts = {t: len(ws.read(t)) for t in ("incidents", "stations", "cameras", "boundaries", "roads")}
    summary = {"workspace": str(path), "seconds": round(time.perf_counter() - t0, 2), **counts}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"wrote {path}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    return 0


def _import(args: argparse.Namespace) -> int:
    from geo.importer import ImportOptions, commit, prepare
    from geo.mapping import parse_map_args

    ws = Workspace(args.workspace)
    opts = ImportOptions(crs=args.crs, mapping=parse_map_args(args.map or []), date_order=args.date_order,
                         encoding=args.encoding, delimiter=args.delimiter, source_layer=args.source_layer,
                         area=args.area)
    result = prepare(args.file, args.layer, options=opts, workspace=ws)
    if not args.dry_run:
        commit(result, ws, mode=args.mode, options=opts)
    counts = result.counts()
    if args.json:
        print(json.dumps({**counts, "workspace": str(ws.path), "mode": args.mode, "written": not args.dry_run,
                          "mapping": result.mapping, "crs": result.summary.get("crs")}, ensure_ascii=False))
        return 0
    verb = "checked (dry run, nothing written)" if args.dry_run else f"imported into {ws.path} ({args.mode})"
    print(f"{counts['source']} as {args.layer}: {verb}")
    print(f"  read {counts['read']:,}, accepted {counts['accepted']:,} "
          f"(of which repaired {counts['repaired']:,}), rejected {counts['rejected']:,}")
    print("  columns: " + ", ".join(f"{k}={v}" for k, v in result.mapping.items()))
    for note in result.summary.get("notes", []):
        print(f"  note: {note}")
    for reason, n in list(counts["reasons"].items())[:10]:
        print(f"  rejected {n:,}: {reason}")
    if len(result.rejected):
        r = result.rejected.iloc[0]
        print(f"  first rejected: row {r['row']}, {r['field']}: {r['reason']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m geo", description="Koopsuz crime-prevention mapping library.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo", help="write the synthetic Bishkek and Jeti-Oguz demo workspace")
    d.add_argument("--out", required=True, help="folder for demo.gpkg")
    d.add_argument("--scale", type=float, default=1.0, help="multiply incident volumes (default 1)")
    d.add_argument("--seed", type=int, default=20161231, help="random seed (default 20161231)")
    d.add_argument("--json", action="store_true", help="print a JSON summary")
    d.set_defaults(func=_demo)

    i = sub.add_parser("import", help="import a file into a workspace layer, keeping every row accounted for")
    i.add_argument("layer", choices=list(LAYERS), help="layer type")
    i.add_argument("file", help="CSV, TSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile or KML")
    i.add_argument("--workspace", default=str(DEFAULT_WORKSPACE), help=f"GeoPackage (default {DEFAULT_WORKSPACE})")
    i.add_argument("--crs", help="EPSG code of the coordinates when the file does not say (e.g. 4326, 32643, 7694)")
    i.add_argument("--map", action="append", metavar="FIELD=COLUMN",
                   help="which column holds a field (repeatable), e.g. --map date=Дата --map lat=Y")
    i.add_argument("--mode", choices=("replace", "append"), default="replace", help="replace the layer or add to it")
    i.add_argument("--date-order", choices=("dmy", "mdy", "ymd", "ydm"), help="order of ambiguous dates")
    i.add_argument("--encoding", help="text encoding (detected: UTF-8, UTF-8 with BOM, CP1251)")
    i.add_argument("--delimiter", help="CSV delimiter (detected)")
    i.add_argument("--source-layer", help="layer or sheet to read from a file with several")
    i.add_argument("--area", help="municipality of imported boundaries (default: the file name)")
    i.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    i.add_argument("--json", action="store_true", help="print one JSON object")
    i.set_defaults(func=_import)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
