"""Hostile input (issue 11): generated and named bad files through the readers, ``prepare`` and the CLI.

The rules are those of ``tests/hostile.py``: no exception but the library's own, every message
names the file, every row read is accepted or rejected, nothing implausible is accepted. The
Hypothesis tests are derandomized, so CI sees the same files every run; ``bench/hostile.py`` runs
10,000 of them for the acceptance figure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from conftest import ROOT
from geo.io.readers import read_table
from hostile import (CASES, CLI_SAMPLE, LIBRARY_ERRORS, SECRET, SLOW_SECONDS, Table, careful_table, cli_problems,
                     file_names, hostile_csv, judge_case, problems, random_bytes, run_prepare, write_cases)

# no shrinking: a failure is reported as found, so a slow failing file cannot stretch CI to minutes
GENERATED = dict(deadline=None, derandomize=True, database=None, phases=(Phase.explicit, Phase.generate),
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.large_base_example])
ALL_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".geojson", ".json", ".gpkg", ".kml", ".kmz", ".zip")


@contextmanager
def _written(data: bytes, name: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


def _report(found: list[tuple[str, str]]) -> str:
    return "\n".join(f"{kind}: {detail}" for kind, detail in found)


# --- generated files ------------------------------------------------------------------------------

@settings(max_examples=150, **GENERATED)
@given(data=random_bytes(), name=file_names(ALL_SUFFIXES))
def test_read_table_refuses_noise_only_with_its_own_error(data, name):
    with _written(data, name) as path:
        try:
            raw = read_table(path)
        except LIBRARY_ERRORS as exc:
            assert name in str(exc), f"message without the file name: {exc}"
        except Exception as exc:  # noqa: BLE001 - the finding is the exception itself
            pytest.fail(f"{type(exc).__module__}.{type(exc).__name__} from read_table: {exc}")
        else:
            assert raw.rows_read == len(raw.frame) + len(raw.bad_rows)
            assert raw.source == name


@settings(max_examples=100, **GENERATED)
@given(data=hostile_csv(), name=file_names())
def test_generated_tables_through_read_table_and_prepare(data, name):
    with _written(data, name) as path:
        try:
            read_table(path)
        except LIBRARY_ERRORS as exc:
            assert name in str(exc), f"read_table message without the file name: {exc}"
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"{type(exc).__module__}.{type(exc).__name__} from read_table: {exc}")
        out = run_prepare(path, "incidents")
    found = problems(out)
    assert not found, _report(found)
    assert out.seconds < SLOW_SECONDS, f"prepare took {out.seconds:.1f} s on {len(data):,} bytes"


@settings(max_examples=60, **GENERATED)
@given(table=careful_table(), name=file_names())
def test_careful_tables_lose_no_row(table: Table, name):
    with _written(table.data, name) as path:
        out = run_prepare(path, "incidents")
    found = problems(out)
    assert not found, _report(found)
    assert out.seconds < SLOW_SECONDS, f"prepare took {out.seconds:.1f} s on {len(table.data):,} bytes"
    if out.result is not None:
        assert table.least <= out.result.read <= table.most, (
            f"read {out.result.read} rows; the file has {table.least} with data ({table.most} non-empty lines)")


# --- named cases ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def case_paths(tmp_path_factory) -> dict[str, Path]:
    return write_cases(tmp_path_factory.mktemp("hostile-cases"))


@pytest.mark.parametrize("name", list(CASES))
def test_named_case_through_prepare(case_paths, name):
    case = CASES[name]
    out, found = judge_case(case, case_paths[name])
    assert not found, f"{case.finding}\n{_report(found)}"
    assert out.seconds < SLOW_SECONDS, f"prepare took {out.seconds:.1f} s"


def _cli(case_name: str, path: Path, workspace: Path) -> subprocess.CompletedProcess:
    case = CASES[case_name]
    args = [sys.executable, "-m", "geo", "import", case.layer, str(path), "--dry-run", "--json",
            "--workspace", str(workspace), *case.cli_args()]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.fixture(scope="session")
def cli_runs(request, case_paths, tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """The CLI runs of every selected case, two at a time (each is a fresh Python process)."""
    wanted = [item.callspec.params["name"] for item in request.session.items
              if getattr(item, "originalname", "") == "test_named_case_through_cli"]
    ws = tmp_path_factory.mktemp("hostile-ws") / "workspace.gpkg"
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        runs = dict(zip(wanted, pool.map(lambda n: _cli(n, case_paths[n], ws), wanted), strict=True))
    return runs


CLI_CASES = list(CASES) if os.environ.get("HOSTILE_CLI") == "all" else list(CLI_SAMPLE)


@pytest.mark.parametrize("name", CLI_CASES)
def test_named_case_through_cli(cli_runs, case_paths, name):
    case = CASES[name]
    proc = cli_runs[name]
    found = cli_problems(proc.returncode, proc.stdout, proc.stderr, name=case_paths[name].name, expect=case.expect,
                         secret=SECRET if case.secret else None)
    if case.after is not None:
        found += [("leak", d) for d in case.after(case_paths[name].parent)]
    assert not found, f"{case.finding}\n{_report(found)}"


def test_named_cases_cover_every_layer_and_format():
    layers = {c.layer for c in CASES.values()}
    suffixes = {Path(c.filename).suffix for c in CASES.values()}
    assert layers == {"incidents", "stations", "cameras", "boundaries", "roads"}
    assert {".csv", ".xlsx", ".geojson", ".gpkg", ".zip", ".kml"} <= suffixes
    assert len(CASES) >= 100
    assert set(CLI_SAMPLE) <= set(CASES)
