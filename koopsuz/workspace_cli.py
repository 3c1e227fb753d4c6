"""``python -m geo workspace ...``: copy a workspace between stores, list a location's municipalities.

Kept beside :mod:`koopsuz.cli` so that module stays one screenful of commands per concern.
"""

from __future__ import annotations

import argparse
import json
import time


def _copy(args: argparse.Namespace) -> int:
    from geo.io.workspaces import copy_workspace, open_workspace

    t0 = time.perf_counter()
    counts = copy_workspace(args.source, args.target)
    target = open_workspace(args.target)
    summary = {"source": open_workspace(args.source).label, "target": target.label,
               "seconds": round(time.perf_counter() - t0, 2), "tables": counts}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"copied {summary['source']} to {summary['target']} in {summary['seconds']} s:")
        for name, n in counts.items():
            print(f"  {name}: {n:,} rows")
    return 0


def _list(args: argparse.Namespace) -> int:
    from geo.io.workspaces import list_municipalities

    found = list_municipalities(args.location)
    if args.json:
        print(json.dumps([{"key": m.key, "name": m.name} for m in found], ensure_ascii=False))
    else:
        for m in found:
            print(f"{m.key}\t{m.name}")
    return 0


def add_workspace_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``workspace copy`` and ``workspace list`` to the command line."""
    w = sub.add_parser("workspace", help="copy a workspace between GeoPackage and PostGIS; list municipalities")
    wsub = w.add_subparsers(dest="workspace_command", required=True, metavar="ACTION")
    c = wsub.add_parser("copy", help="copy every layer, rejected row, log entry and metadata, replacing the target")
    c.add_argument("source", help="a GeoPackage, or postgresql://USER@HOST/DB?schema=MUNICIPALITY")
    c.add_argument("target", help="a GeoPackage, or postgresql://USER@HOST/DB?schema=MUNICIPALITY")
    c.add_argument("--json", action="store_true", help="print the rows copied per table as JSON")
    c.set_defaults(func=_copy)
    ls = wsub.add_parser("list", help="the municipalities in a folder of GeoPackages or a PostGIS database")
    ls.add_argument("location", help="a folder, a GeoPackage or postgresql://USER@HOST/DB")
    ls.add_argument("--json", action="store_true", help="print them as JSON")
    ls.set_defaults(func=_list)
