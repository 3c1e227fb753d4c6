"""The layers of the house (docs/architecture.md) hold: who may import what, module sizes, no hidden state.

These read the source (``ast``), so a new module is checked the day it lands;
the runtime checks import in a fresh interpreter, where nothing else has
loaded matplotlib first.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

MAX_LINES = 700

# geo's subpackages and top modules from the bottom of the house up: a module may import its own
# rank and below, never above (geo.network sits under geo.coverage, which sits under geo.siting...).
RANKS: dict[str, int] = {
    "geo.atomic": 0, "geo.checks": 0, "geo.plain": 0, "geo.cells": 0, "geo.crs": 0, "geo.schema": 0, "geo.i18n": 0, "geo.messages": 0,
    "geo.categories": 0,
    "geo.palette": 1, "geo.io": 1, "geo.select": 1, "geo.periods": 1,
    "geo.stats": 2, "geo.network": 2, "geo.health": 2,
    "geo.evaluate": 2,  # did it work? counts in areas and periods, WDD and WDQ (issue 16)
    "geo.spacetime": 2,  # space-time cube, emerging hot spots, near repeats (issue 17): on geo.stats
    "geo.forecast": 2,  # which map predicts best: hit rate, PAI, PEI on held-out months (issue 17): on geo.stats
    "geo.auth": 2,  # accounts, roles and the audit trail, kept in the workspace store (geo.io)
    "geo.stats.population": 2,  # the residents' surface: used by geo.coverage (3) and geo.siting (4)
    "geo.content": 3, "geo.coverage": 3,
    "geo.privacy": 3,  # what a viewer may see: uses geo.stats (2) for the density and Gi* results
    "geo.siting": 4,
    "geo.printmap": 5, "geo.demo": 5,
    "geo.report": 6,
    "geo.publish": 7,  # frozen, masked publications: made with geo.report (6) from geo.privacy's data (3)
}
# Top-level packages and what they may not import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "geo": ("streamlit", "streamlit_folium", "folium", "branca", "layers", "views", "koopsuz", "app"),
    "layers": ("matplotlib", "streamlit", "views", "koopsuz", "app"),
    "koopsuz": ("streamlit", "views", "app"),
    "views": ("koopsuz",),
}
NETWORK_MODULES = ("urllib", "http", "requests", "socket", "httpx", "aiohttp")
NETWORK_HOME = "geo/printmap/tiles.py"  # the library's one module that reaches the network
DATABASE_MODULES = ("sqlalchemy", "psycopg", "psycopg2", "geoalchemy2")
DATABASE_HOME = "geo/io/pgstore.py"  # the library's one module that talks to a database server


def sources(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (absolute names), with its line; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            out.append((node.lineno, name))
            # `from geo import printmap` imports geo.printmap
            out += [(node.lineno, f"{name}.{a.name}") for a in node.names if name in ("geo", "layers")]
    return out


def rank(name: str) -> int | None:
    best = None
    for prefix, r in RANKS.items():
        if name == prefix or name.startswith(prefix + "."):
            best = r
    return best


@pytest.mark.parametrize("top", sorted(FORBIDDEN))
def test_no_package_imports_what_its_layer_may_not(top):
    bad = []
    for path in sources(top):
        for line, name in imports(path):
            if name.split(".")[0] in FORBIDDEN[top]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not bad, "\n".join(bad)


def test_geo_subpackages_import_only_their_rank_and_below():
    bad = []
    for path in sources("geo"):
        own = rank(module_name(path))
        if own is None:
            continue
        for line, name in imports(path):
            r = rank(name)
            if r is not None and r > own:
                bad.append(f"{path.relative_to(ROOT)}:{line} ({module_name(path)}, rank {own}) imports {name} "
                           f"(rank {r})")
    assert not bad, "\n".join(bad)


def test_every_geo_module_has_a_rank():
    """A new subpackage must be placed in the house (RANKS and docs/architecture.md) before it lands."""
    loose = [module_name(p) for p in sources("geo")
             if rank(module_name(p)) is None and module_name(p) not in ("geo", "geo.__main__")]
    assert not loose, loose


def test_only_the_tile_module_reaches_the_network():
    bad = [f"{p.relative_to(ROOT)}:{line} imports {name}" for p in sources("geo")
           for line, name in imports(p)
           if name.split(".")[0] in NETWORK_MODULES and p.relative_to(ROOT).as_posix() != NETWORK_HOME]
    assert not bad, "\n".join(bad)
    assert (ROOT / NETWORK_HOME).is_file()


def test_only_the_postgis_store_talks_to_a_database():
    bad = [f"{p.relative_to(ROOT)}:{line} imports {name}" for p in sources("geo")
           for line, name in imports(p)
           if name.split(".")[0] in DATABASE_MODULES and p.relative_to(ROOT).as_posix() != DATABASE_HOME]
    assert not bad, "\n".join(bad)
    assert (ROOT / DATABASE_HOME).is_file()


def test_no_geo_module_is_over_the_size_limit():
    long = {str(p.relative_to(ROOT)): n for p in sources("geo")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_no_module_level_caches_in_geo():
    """Caches belong to the pages (st.cache_resource): module-level state is shared by every session."""
    bad = []
    for path in sources("geo"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for d in node.decorator_list:
                    name = ast.unparse(d)
                    if any(w in name for w in ("lru_cache", "functools.cache", "cached")) or name == "cache":
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno} @{name} on {node.name}")
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                v = node.value
                # an empty container at module level is a cache or a registry waiting to be filled
                empty = (isinstance(v, ast.Dict | ast.List | ast.Set) and not getattr(v, "keys", getattr(v, "elts", None))
                         or isinstance(v, ast.Call) and not v.args and not v.keywords
                         and ast.unparse(v.func) in ("dict", "list", "set", "OrderedDict", "collections.OrderedDict",
                                                     "WeakValueDictionary", "weakref.WeakValueDictionary")
                         or isinstance(v, ast.Call) and ast.unparse(v.func) in ("defaultdict",
                                                                                 "collections.defaultdict"))
                if empty:
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)[:60]}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("module", ["geo.stats.density", "geo.content", "geo.report.tables", "geo.select",
                                    "layers.compose", "layers.density"])
def test_web_and_analysis_paths_never_load_matplotlib(module):
    code = f"import {module}, sys; assert 'matplotlib' not in sys.modules, sorted(m for m in sys.modules if 'matplotlib' in m)[:3]"
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr


def test_the_architecture_page_names_every_subpackage():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for prefix in RANKS:
        assert f"`{prefix}" in text, f"{prefix} is not described in docs/architecture.md"
