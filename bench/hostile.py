"""Hostile input through the importer: the acceptance measurement of issue 11.

Three inputs, each file through ``geo.io.importer.prepare(path, "incidents")`` (the named cases as
their own layer and options):

- generated CSVs: ``tests/hostile.py``'s ``hostile_csv`` (realistic incident tables with any line
  ending, quoting, delimiter, encoding, stray bytes, field size, number and date, plus noise);
- careful CSVs: ``careful_table``, tables written by the rules, whose data lines must all be read;
- the named hostile files of ``tests/hostile.py`` (one per finding of issue 11, five layers, six
  formats), and with ``--cli`` each of them through ``python -m geo import ... --dry-run --json``
  too (exit 0 with counts that add up, or exit 2 with one ``error:`` line naming the file).

Counted per input: tracebacks (an exception that is not the library's own error), rows unaccounted
(read but neither accepted nor rejected once; for careful files also data lines not read),
messages that do not name the file, implausible values accepted (coordinates outside ±180/±90,
numbers outside a field's declared range), for the named cases their own expectations, and files
slower than ``--slow`` seconds (a quadratic path is a hang waiting for a bigger file). Every
kind of failure is then listed once with how often it happened and an example; ``--keep DIR``
keeps the failing files. The exit status is 1 when any count is not 0.

Run: ``.venv/bin/python -m bench.hostile [--n 10000] [--seed 0] [--jobs 1] [--cli] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hostile import (CASES, SECRET, SLOW_SECONDS, careful_table, cli_problems, file_names,  # noqa: E402
                     hostile_csv, judge_case, problems, run_prepare, write_cases)  # tests/ is not a package

@dataclass
class Tally:
    """Counts of one input, and each kind of failure with its first example."""

    files: int = 0
    counts: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    examples: dict[tuple[str, str], str] = field(default_factory=dict)
    seconds: float = 0.0
    slowest: tuple[float, str] = (0.0, "")

    def add(self, found: list[tuple[str, str]], seconds: float, label: str, *, unaccounted_rows: int = 0,
            keep: Path | None = None, source: Path | None = None, prefix: str = "") -> None:
        self.files += 1
        self.seconds += seconds
        self.slowest = max(self.slowest, (seconds, label))
        for kind in {k for k, _ in found}:
            self.counts["files " + kind] += 1
        self.counts["rows unaccounted"] += unaccounted_rows
        for kind, detail in found:
            sig = (kind, _signature(detail))
            self.kinds[sig] += 1
            if sig not in self.examples:
                kept = ""
                if keep is not None and source is not None and source.exists():
                    dest = keep / f"{prefix}{kind}-{len(self.examples):03d}{source.suffix}"
                    shutil.copyfile(source, dest)
                    kept = f" [{dest}]"
                self.examples[sig] = f"{label}: {detail}{kept}"

    def merge(self, other: Tally) -> None:
        self.files += other.files
        self.counts.update(other.counts)
        self.kinds.update(other.kinds)
        for k, v in other.examples.items():
            self.examples.setdefault(k, v)
        self.seconds += other.seconds
        self.slowest = max(self.slowest, other.slowest)


def _signature(detail: str) -> str:
    """A failure's kind without its values: quoted text and numbers left out."""
    s = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", detail)
    s = re.sub(r"\(columns: [^)]*\)", "(columns: …)", s)
    s = re.sub(r"-?\d+(\.\d+)?(e[+-]?\d+)?", "N", s)
    return s[:160]


def _unaccounted_rows(found: list[tuple[str, str]]) -> int:
    rows = 0
    for kind, detail in found:
        m = re.match(r"read (\d+) != accepted (\d+) \+ distinct rejected rows (\d+)", detail)
        if kind == "unaccounted" and m:
            rows += abs(int(m[1]) - int(m[2]) - int(m[3]))
    return rows


def run_generated(n: int, seed: int, careful: bool, keep: Path | None, slow: float) -> Tally:
    """``n`` generated files through prepare (one worker's share)."""
    tally = Tally()
    folder = Path(tempfile.mkdtemp(prefix="hostile-bench-"))

    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(data=careful_table() if careful else hostile_csv(), name=file_names())
    @hypothesis_seed(seed)
    def one(data, name) -> None:
        table = data if careful else None
        path = folder / name
        path.write_bytes(table.data if careful else data)
        out = run_prepare(path, "incidents")
        found = problems(out)
        lost = 0
        if careful and out.result is not None and not table.least <= out.result.read <= table.most:
            lost = table.least - out.result.read if out.result.read < table.least else out.result.read - table.most
            found.append(("unaccounted", f"read {out.result.read} rows of a careful file with {table.least} data "
                                         f"lines ({table.most} non-empty)"))
        if out.seconds > slow:
            found.append(("slow", f"prepare took {out.seconds:.1f} s on {path.stat().st_size:,} bytes"))
        tally.add(found, out.seconds, f"generated #{tally.files + 1} ({name})",
                  unaccounted_rows=_unaccounted_rows(found) + lost, keep=keep, source=path,
                  prefix=f"{'careful' if careful else 'generated'}-{seed}-")
        path.unlink()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one()
    shutil.rmtree(folder, ignore_errors=True)
    return tally


def run_named(keep: Path | None, slow: float) -> Tally:
    tally = Tally()
    folder = Path(tempfile.mkdtemp(prefix="hostile-cases-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = write_cases(folder)
        for name, path in paths.items():
            out, found = judge_case(CASES[name], path)
            if out.seconds > slow:
                found.append(("slow", f"prepare took {out.seconds:.1f} s"))
            tally.add(found, out.seconds, name, unaccounted_rows=_unaccounted_rows(found), keep=keep,
                      source=path if path.is_file() else None, prefix=f"{name}-")
    shutil.rmtree(folder, ignore_errors=True)
    return tally


def run_named_cli(jobs: int) -> Tally:
    """Every named case through ``python -m geo import LAYER FILE --dry-run --json`` (a process each)."""
    tally = Tally()
    folder = Path(tempfile.mkdtemp(prefix="hostile-cli-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = write_cases(folder)

    def one(name: str) -> tuple[str, subprocess.CompletedProcess, float]:
        case = CASES[name]
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "geo", "import", case.layer, str(paths[name]), "--dry-run",
                               "--json", "--workspace", str(folder / "workspace.gpkg"), *case.cli_args()],
                              cwd=ROOT, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
        return name, proc, time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=max(jobs, 2)) as pool:
        for name, proc, secs in pool.map(one, list(paths)):
            case = CASES[name]
            found = cli_problems(proc.returncode, proc.stdout, proc.stderr, name=paths[name].name,
                                 expect=case.expect, secret=SECRET if case.secret else None)
            if case.after is not None:
                found += [("leak", d) for d in case.after(paths[name].parent)]
            tally.add(found, secs, name)
    shutil.rmtree(folder, ignore_errors=True)
    return tally


def _shares(n: int, jobs: int) -> list[int]:
    return [n // jobs + (i < n % jobs) for i in range(jobs)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000,
                    help="generated CSVs (default 10,000), and a quarter as many careful ones")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    ap.add_argument("--keep", type=Path, help="folder to keep one failing file of each kind in")
    ap.add_argument("--slow", type=float, default=SLOW_SECONDS,
                    help=f"seconds past which one file counts as slow (default {SLOW_SECONDS:g})")
    ap.add_argument("--cli", action="store_true", help="also run every named case through `python -m geo import`")
    args = ap.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tallies: dict[str, Tally] = {"generated CSVs": Tally(), "careful CSVs": Tally()}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = []
        for label, careful, n in (("generated CSVs", False, args.n), ("careful CSVs", True, args.n // 4)):
            for i, share in enumerate(_shares(n, args.jobs)):
                if share:
                    futures.append((label, pool.submit(run_generated, share, args.seed * 1000 + i + careful * 500,
                                                       careful, args.keep, args.slow)))
        tallies["named cases"] = run_named(args.keep, args.slow)
        if args.cli:
            tallies["named cases, CLI"] = run_named_cli(args.jobs)
        for label, fut in futures:
            tallies[label].merge(fut.result())
    wall = time.perf_counter() - t0

    print(f"hostile input through prepare: {args.n:,} generated CSVs (seed {args.seed}), {args.n // 4:,} careful "
          f"CSVs, {len(CASES)} named files; {wall:.0f} s wall, {args.jobs} worker(s)")
    print("\n| input | files | tracebacks | rows unaccounted | messages not naming the file | implausible accepted "
          f"| expectations broken | slower than {args.slow:g} s | seconds (prepare) | slowest file |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    bad = 0
    for label, t in tallies.items():
        c = t.counts
        cells = [c["files traceback"], c["rows unaccounted"], c["files unnamed"], c["files implausible"],
                 c["files expectation"] + c["files leak"], c["files slow"]]
        bad += sum(cells) + c["files unaccounted"]  # counts that do not add up may lose no row, still wrong
        print(f"| {label} | {t.files:,} | " + " | ".join(f"{v:,}" for v in cells)
              + f" | {t.seconds:.1f} | {t.slowest[0]:.1f} s ({t.slowest[1]}) |")
    for label, t in tallies.items():
        if not t.kinds:
            continue
        print(f"\n{label}: {len(t.kinds)} kind(s) of failure")
        for (kind, _), count in t.kinds.most_common():
            print(f"- {kind} x{count}: {t.examples[(kind, _)]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
