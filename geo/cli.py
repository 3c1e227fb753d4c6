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

from geo.schema import SchemaError
from geo.store import WorkspaceError

USER_ERRORS = (SchemaError, WorkspaceError, ValueError, FileNotFoundError, PermissionError)


def _demo(args: argparse.Namespace) -> int:
    from geo.demo import write_demo

    t0 = time.perf_counter()
    path = write_demo(args.out, scale=args.scale, seed=args.seed)
    from geo.store import Workspace

    ws = Workspace(path)
    counts = {t: len(ws.read(t)) for t in ("incidents", "stations", "cameras", "boundaries", "roads")}
    summary = {"workspace": str(path), "seconds": round(time.perf_counter() - t0, 2), **counts}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"wrote {path}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
