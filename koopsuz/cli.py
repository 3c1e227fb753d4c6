"""Command line: `python -m geo COMMAND ...` for batch work and automation.

Each command is a thin wrapper over library functions; errors the user can fix
print one clear line to stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence

from pathlib import Path

from geo.atomic import atomic_output, atomic_write
from geo.schema import SchemaError
from geo.io.store import WorkspaceError
from geo.io.workspaces import open_workspace

USER_ERRORS = (SchemaError, WorkspaceError, ValueError, FileNotFoundError, PermissionError)
WORKSPACE_HELP = ("a GeoPackage or postgresql://...?schema=KEY (default: the app's: KOOPSUZ_DATABASE, KOOPSUZ_WORKSPACE "
                  "or data/workspaces, with --municipality when it holds several)")
LANGS = ("ru", "ky", "en")  # geo.i18n.LANGS, without importing Babel for every command


def default_lang() -> str:
    """The language of `export` and `pack` when --lang is not given: KOOPSUZ_LANG if it names one, else English."""
    env = os.environ.get("KOOPSUZ_LANG", "").strip().lower().replace("_", "-").split("-")[0]
    return env if env in LANGS else "en"


def _demo(args: argparse.Namespace) -> int:
    from geo.demo import write_demo

    t0 = time.perf_counter()
    path = write_demo(args.out, scale=args.scale, seed=args.seed)
    ws = open_workspace(path)
    counts = {t: len(ws.read(t)) for t in ("incidents", "stations", "cameras", "boundaries", "roads")}
    summary = {"workspace": str(path), "seconds": round(time.perf_counter() - t0, 2), **counts}
    return _answer(args, summary, f"wrote {path}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


def _incidents(source: str, args: argparse.Namespace):
    """INCIDENTS: a workspace (``workspace:PATH``) or any file ``geo import`` reads, then the filters."""
    return _study(source, args).incidents


def _study(source: str, args: argparse.Namespace):
    """The study of INCIDENTS (a workspace or a file) under the filters: incidents, settlements, roads, stations.

    From a workspace the study is selected as the pages and the pack select it
    (:func:`geo.select.select_study`): incidents outside every settlement are
    left out. The command line restricts only the period it is given.
    """
    import datetime as dt

    from geo.categories import DEFAULT_CATEGORIES, with_categories
    from geo.io.categories import read_categories
    from geo.io.importer import prepare
    from geo.schema import require_valid
    from geo.select import IncidentFilter, select_study

    ws = open_workspace(source.removeprefix("workspace:")) if source.startswith("workspace:") else None
    if ws is not None and not ws.exists:
        msg = f"{ws.label}: no such workspace"
        raise FileNotFoundError(msg)
    # the workspace's own list (renamed, added, merged categories); a file has the default list
    cats = read_categories(ws) if ws is not None else DEFAULT_CATEGORIES
    _check_categories(args.category, cats.keys)
    f = IncidentFilter(area=args.area or None, start=dt.date.fromisoformat(args.start) if args.start else None,
                       end=dt.date.fromisoformat(args.end) if args.end else None,
                       categories=tuple(args.category) if args.category else None,
                       units=tuple(args.unit) if getattr(args, "unit", None) else None)  # ids or names: resolved
    if ws is not None:
        boundaries = ws.read("boundaries")
        # The store reads only the incidents of the period and the area's box (an index query in PostGIS),
        # when both are given: select_study then applies the exact filter.
        where: dict[str, object] = {}
        if f.start is not None and f.end is not None:
            where.update(start=f.start, end=f.end + dt.timedelta(days=1))
        if args.area and len(boundaries) and "area" in boundaries and boundaries.crs is not None:
            mine = boundaries[boundaries["area"].astype(str) == args.area]
            if len(mine):
                where["bbox"] = tuple(mine.to_crs("EPSG:4326").total_bounds)
        incidents = require_valid(ws.read("incidents", **where), "incidents", source=ws.label, categories=cats)
        layers = {"incidents": with_categories(incidents, cats),
                  "boundaries": boundaries, "roads": ws.read("roads"), "stations": ws.read("stations")}
        if args.area and len(layers["boundaries"]) and "area" in layers["boundaries"]:
            areas = sorted(set(layers["boundaries"]["area"].dropna().astype(str)) - {""})
            if args.area not in areas:
                msg = f"no area {args.area!r} in {ws.name}; areas: {', '.join(areas)}"
                raise ValueError(msg)
    elif args.area or getattr(args, "unit", None):
        msg = "--area and --unit need INCIDENTS as workspace:PATH (settlements come from its boundaries)"
        raise ValueError(msg)
    else:
        result = prepare(source, "incidents")
        if len(result.rejected):
            print(f"note: {len(result.rejected):,} of {result.read:,} rows of {result.source} rejected "
                  "(see `python -m geo import --dry-run`)", file=sys.stderr)
        layers = {"incidents": result.accepted}
    study = select_study(layers, f)
    if study.outside:
        print(f"note: {study.outside:,} incidents lie outside every settlement and are left out", file=sys.stderr)
    if len(study.incidents) == 0:
        msg = f"no incidents in {source} pass the filters"
        raise ValueError(msg)
    return study


def _check_categories(given: Sequence[str] | None, keys: Sequence[str]) -> None:
    """Refuse a --category the workspace's list does not hold, naming the keys it does."""
    bad = [c for c in given or [] if c not in keys]
    if bad:
        msg = f"unknown category {', '.join(bad)}; categories: {', '.join(keys)}"
        raise ValueError(msg)


def _density(args: argparse.Namespace) -> int:
    from geo.stats.density import kernel_density

    study = _study(args.incidents, args)
    inc = study.incidents
    grid = kernel_density(inc, kernel=args.kernel, bandwidth=args.bandwidth, cell=args.cell, weight=args.weight)
    path = grid.to_geotiff(args.out)
    if args.top:
        from geo.report.tables import top_density_peaks

        # The Hotspots page's and the pack's table of the highest peaks, from the same function.
        _write_table(Path(args.top), top_density_peaks(grid, inc, _some(study.units), _some(study.roads),
                                                       min_incidents=args.min_incidents, lang=args.lang))
    summary = {"out": str(path), "kernel": grid.kernel, "bandwidth": round(grid.bandwidth, 3),
               "cell": round(grid.cell, 3), "crs": grid.crs.to_string(), "incidents": grid.n,
               "shape": list(grid.values.shape), "max_per_km2": float(grid.values.max()),
               "total_weight": grid.total_weight}
    return _answer(args, summary,
                   f"wrote {path}: {grid.n:,} incidents, {grid.kernel} kernel, bandwidth {grid.bandwidth:,.0f} m, "
                   f"cell {grid.cell:,.0f} m, {grid.values.shape[1]}x{grid.values.shape[0]} cells, "
                   f"{grid.crs.to_string()}")


def _hotspots(args: argparse.Namespace) -> int:
    from geo.report.tables import top_hot_spots
    from geo.stats.hotspots import hotspots

    study = _study(args.incidents, args)
    inc = study.incidents
    # As the Hotspots page and the pack: the settlements (from a workspace) are the ground analysed.
    res = hotspots(inc, cell=args.cell, shape=args.shape, band=args.band, permutations=args.permutations,
                   boundary=_some(study.units))
    out = Path(args.out)
    cells = res.cells[["count", "gi_z", "gi_p", "gi_bin", res.cells.geometry.name]]
    _write_gpkg(out, {"hotspots": cells})
    top = top_hot_spots(res, inc, _some(study.units), _some(study.roads), min_incidents=args.min_incidents,
                        lang=args.lang)
    if args.top:
        _write_table(Path(args.top), top)
    bins = {str(k): int(v) for k, v in cells["gi_bin"].value_counts().sort_index().items()}
    summary = {"out": str(out), **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in res.params.items()},
               "cells": len(cells), "incidents": res.n_incidents, "bins": bins, "top_hot_spots": len(top),
               "min_incidents": args.min_incidents}
    hot, cold = int((cells["gi_bin"] > 0).sum()), int((cells["gi_bin"] < 0).sum())
    return _answer(args, summary, f"wrote {out}: {len(cells):,} cells of {res.cell:,.0f} m ({res.shape}), "
                                  f"band {res.band:,.0f} m, {hot} hot and {cold} cold at 90% or more (FDR)")


def _gaps(args: argparse.Namespace) -> int:
    from geo.report.tables import gap_table, study_gaps

    study = _study(args.incidents, args)
    stations = _layer(args.stations, "stations") if args.stations else study.stations
    if stations is None or len(stations) == 0:
        msg = "no stations: give --stations (a file or workspace:PATH), or INCIDENTS as a workspace with stations"
        raise ValueError(msg)
    units = _some(study.units)
    # The Planner page's and the pack's gaps, from the same function with the same default method.
    gaps = study_gaps(study.incidents, stations, units=units, method=args.method, cell=args.cell, radius=args.radius,
                      roads=_some(study.roads))
    residents = units is not None and "population" in units and units["population"].notna().any()
    table = gap_table(gaps, residents=bool(residents), lang=args.lang, units=units)
    _write_table(Path(args.out), table)
    summary = {"out": str(args.out), "method": args.method, "radius": args.radius, "gaps": len(table),
               "cell": None if gaps is None else gaps.attrs.get("cell"),
               "threshold": None if gaps is None else gaps.attrs.get("threshold")}
    return _answer(args, summary, f"wrote {args.out}: {len(table):,} coverage gaps ({args.method}, "
                                  f"{args.radius:,.0f} m)")


def _some(frame):  # noqa: ANN001, ANN202 - a layer or None
    """A layer with rows, or None (as the pack's ``some``)."""
    return frame if frame is not None and len(frame) else None


def _write_table(out: Path, table) -> None:  # noqa: ANN001 - a pandas DataFrame
    """A reader's table as CSV (UTF-8 with a BOM, so that Excel reads it), written whole or not at all."""
    from geo.report.data import safe_cells

    with atomic_output(out, suffix=".tmp.csv", create=False) as tmp:
        safe_cells(table).to_csv(tmp, index=False, encoding="utf-8-sig")  # a name like =cmd|... opens as text


def _layer(source: str, layer: str):
    """A layer from a workspace (``workspace:PATH``) or from any file ``geo import`` reads."""
    from geo.io.importer import prepare
    from geo.schema import require_valid

    if source.startswith("workspace:"):
        ws = open_workspace(source.removeprefix("workspace:"))
        if not ws.exists:
            msg = f"{ws.label}: no such workspace"
            raise FileNotFoundError(msg)
        return require_valid(ws.read(layer), layer, source=ws.label)
    result = prepare(source, layer)
    if len(result.rejected):
        print(f"note: {len(result.rejected):,} of {result.read:,} rows of {result.source} rejected", file=sys.stderr)
    return result.accepted


def _coverage(args: argparse.Namespace) -> int:
    from geo.coverage import (coverage_summary, drive_time_areas, drive_time_coverage, nearest_facility,
                              service_areas)

    inc = _incidents(args.incidents, args)
    stations = _layer(args.stations, "stations")
    if args.minutes is not None:
        if not args.roads:
            msg = "--minutes needs --roads (a road layer to drive along)"
            raise ValueError(msg)
        from geo.network import RoadNetwork

        roads = RoadNetwork.from_roads(_layer(args.roads, "roads"))  # built once: counts and areas both use it
        drive = drive_time_coverage(inc, stations, roads, minutes=args.minutes)
        covered = drive["covered"].to_numpy()
        per = drive.groupby("facility_name", observed=True)["covered"].sum()
        summary = {"mode": "drive time", "minutes": args.minutes, "incidents": len(inc),
                   "covered": int(covered.sum()), "share": float(covered.mean()),
                   "per_station": {str(k): int(v) for k, v in per.items()}}
        out_inc = inc.assign(covered=covered, minutes=drive["minutes"].to_numpy())
    else:
        if args.radius is None:
            msg = "give --radius M (or --minutes T with --roads)"
            raise ValueError(msg)
        cov = coverage_summary(inc, stations, radius=args.radius)
        near = nearest_facility(inc, stations)
        summary = {"mode": "radius", **cov.as_dict()}
        out_inc = inc.assign(covered=cov.covered, distance_m=near["distance_m"].to_numpy(),
                             nearest=near["facility_name"].astype(str).to_numpy())
    out = Path(args.out)
    layers = {"incidents": out_inc}
    if args.minutes is not None:
        layers["service_areas"] = drive_time_areas(stations, roads, minutes=args.minutes)
    else:
        layers["service_areas"] = service_areas(stations, radius=args.radius)
    _write_gpkg(out, layers)
    covered = summary.get("overall", summary).get("covered", 0)
    return _answer(args, summary, f"wrote {out}: {covered:,} of {len(inc):,} incidents covered")


def _site(args: argparse.Namespace) -> int:
    from geo.siting import grid_candidates, site

    if args.radius is None and args.minutes is None:
        msg = "give --radius M (or --minutes T with --roads)"
        raise ValueError(msg)
    if args.minutes is not None and not args.roads:
        msg = "--minutes needs --roads (a road layer to drive along)"
        raise ValueError(msg)
    inc, weight, objective = _demand(args)
    stations = _layer(args.stations, "stations") if args.stations else None
    if args.candidates.startswith("grid:"):
        import geopandas as gpd

        hull = gpd.GeoDataFrame(geometry=[inc.union_all().convex_hull], crs=inc.crs)
        candidates = grid_candidates(hull, spacing=float(args.candidates.removeprefix("grid:")))
    else:
        candidates = _layer(args.candidates, "cameras")
    # Both --radius and --minutes: site() refuses them in one clear message.
    standard = {"radius": args.radius, "minutes": args.minutes,
                "roads": _layer(args.roads, "roads") if args.minutes is not None else None}
    if args.model == "lscp":
        res, chosen = site(inc, candidates, **standard, model="lscp", target=args.target or 1.0,
                           stations=stations, weight=weight, time_limit=args.time_limit)
    else:
        res, chosen = site(inc, candidates, **standard, model=args.model, k=args.k, stations=stations,
                           weight=weight, time_limit=args.time_limit,
                           aggregate=200.0 if args.model == "pmedian" else None)
    out = atomic_write(args.out, chosen.to_json().encode("utf-8"))
    summary = {"model": res.model, "demand": args.demand, "demand_points": len(inc), "objective_text": objective,
               "incident_share": args.incident_share if args.demand == "mixed" else None,
               "radius": args.radius, "minutes": args.minutes, "objective": res.objective,
               "covered": res.covered, "gap": res.gap, "status": res.status,
               "selected": [int(i) for i in res.selected], "seconds": round(res.seconds, 3), "out": str(out)}
    return _answer(args, summary, f"wrote {out}: {len(chosen)} sites, objective {res.objective:,.1f} "
                                  f"({res.status}, gap {res.gap:.2%}, {res.seconds:.1f} s)")


def _demand(args: argparse.Namespace):  # noqa: ANN202 - (demand points, weight column or None, objective)
    """What ``site`` covers (``--demand``): the incidents, the residents, any weighted points, or both mixed."""
    from geo.siting.demand import incident_demand, mixed_demand, objective_text, point_demand, resident_demand

    text = objective_text(args.demand, incident_share=args.incident_share, lang=args.lang)
    if args.demand == "points":
        from geo.io.pointfile import read_points

        if args.incidents.startswith("workspace:"):
            msg = "--demand points reads a file of points (any columns, a weight column named by --weight)"
            raise ValueError(msg)
        points = read_points(args.incidents, crs=args.crs)
        return point_demand(points, weight=args.weight, source=Path(args.incidents).name), "weight", text
    if args.demand == "incidents":
        return _incidents(args.incidents, args), args.weight, text
    if not args.incidents.startswith("workspace:"):
        msg = f"--demand {args.demand} needs a workspace (workspace:PATH): the residents are its settlements' population"
        raise ValueError(msg)
    from geo.stats.population import population_surface

    study = _study(args.incidents, args)
    if "population" not in study.units or not study.units["population"].notna().any():
        msg = f"{args.incidents}: the settlements have no population: there are no residents to cover"
        raise ValueError(msg)
    residents = resident_demand(population_surface(study.units, roads=_some(study.roads), incidents=study.incidents))
    if args.demand == "residents":
        return residents, "weight", text
    return mixed_demand(incident_demand(study.incidents), residents, incident_share=args.incident_share), "weight", text


def _report_options(args: argparse.Namespace, **extra: object):
    import datetime as dt

    from geo.report import ReportOptions

    def day(v: str | None) -> dt.date | None:
        return None if v is None else dt.date.fromisoformat(v)

    from geo.io.categories import read_categories

    # the workspace's own list: its added keys are accepted, its names and priorities printed
    ws = open_workspace(args.workspace)
    cats = read_categories(ws) if ws.exists else None
    if cats is not None:
        _check_categories(args.category, cats.keys)
        _check_categories(getattr(args, "priority", None), cats.keys)
    return ReportOptions(area=args.area, units=args.settlement, categories=args.category, start=day(args.start),
                         end=day(args.end), paper=args.paper, title=args.title, source=args.source,
                         date=day(args.date), tiles=args.tiles, radius=args.radius, k=args.k, labels=args.labels,
                         hotspot_method=args.method, minutes=args.minutes, off_road_kmh=args.off_road_kmh,
                         lang=args.lang, category_list=cats, **extra)


def _workspace_layers(path: str) -> dict:
    from geo.report import read_layers

    ws = open_workspace(path)
    if not ws.exists:
        msg = f"{ws.label}: no such workspace"
        raise FileNotFoundError(msg)
    return read_layers(ws.location)


def _export(args: argparse.Namespace) -> int:
    from geo.printmap import export_map
    from geo.report import map_content

    t0 = time.perf_counter()
    layers = _workspace_layers(args.workspace)
    options = _report_options(args, dpi=args.dpi)
    category = args.category[0] if args.map == "hotspots" and args.category and len(args.category) == 1 else None
    view = map_content(args.map, layers, options=options, category=category)
    out = Path(args.out)
    title = args.title or view.title
    if args.format == "html":
        from layers.basemap import Tiles
        from layers.compose import content_map
        from layers.standalone import standalone_html

        web = content_map(view.content, tiles=Tiles.parse(args.tiles or "none"), lang=args.lang)
        text = standalone_html(web, title=title, lang=args.lang)
        atomic_write(out, text.encode("utf-8"))
    else:
        from geo.i18n import Tr
        from geo.io.provenance import source_in

        _ = Tr(args.lang)
        resolved = options.resolve(layers)
        # as on the pack's maps: how to read it under the map, the demo's source in the language
        note = _("How to read this map: {text}", text=view.reading) if view.reading else None
        export_map(view.content, out, format=args.format, paper=args.paper, dpi=args.dpi, title=title,
                   subtitle=view.subtitle, source=source_in(resolved.source, lang=_.lang), date=resolved.date, tiles=args.tiles,
                   lang=args.lang, note=note)
    summary = {"map": args.map, "format": args.format, "paper": args.paper, "dpi": args.dpi, "lang": args.lang,
               "out": str(out),
               "bytes": out.stat().st_size, "title": title, "params": view.params, "notes": list(view.notes),
               "seconds": round(time.perf_counter() - t0, 3)}
    return _answer(args, summary, f"wrote {out} ({args.map}, {args.format}, {args.paper}, "
                                  f"{out.stat().st_size:,} bytes)", notes=view.notes)


def _pack(args: argparse.Namespace) -> int:
    from geo.report import build_pack

    layers = _workspace_layers(args.workspace)
    options = _report_options(args, priorities=args.priority, dpi=args.dpi, analyses=tuple(args.analyses or ()))
    out = Path(args.out)
    zip_path = Path(args.zip) if args.zip else out.with_suffix(".zip")
    result = build_pack(layers, out, options=options, zip_path=None if args.no_zip else zip_path)
    summary = {"pdf": str(result.paths["pdf"]), "zip": str(result.paths["zip"]) if "zip" in result.paths else None,
               "lang": args.lang, "pages": result.pages, "page_titles": result.page_titles,
               "seconds": round(result.seconds, 3),
               "notes": result.notes, "params": result.params}
    extra = f" and {summary['zip']}" if summary["zip"] else ""
    return _answer(args, summary, f"wrote {out} ({result.pages} pages){extra} in {result.seconds:.1f} s",
                   notes=result.notes)


def _answer(args: argparse.Namespace, summary: dict[str, object], text: str, *,
            notes: Sequence[str] = ()) -> int:
    """What a command prints: the summary as one JSON object with ``--json``, else a line and its notes."""
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        print(text)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    return 0


def _write_gpkg(out: Path, layers: dict[str, object]) -> None:
    """Write layers into a new GeoPackage beside ``out``, then move it over: no half-written output."""
    with atomic_output(out, suffix=".tmp.gpkg", create=False) as tmp:
        for name, frame in layers.items():
            frame.to_file(tmp, layer=name, driver="GPKG")


def _top_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--top", help="CSV of the top hot spots, as the Hotspots page and the pack list them")
    p.add_argument("--min-incidents", type=int, default=2,
                   help="the fewest incidents a top hot spot holds to be listed (default 2)")
    p.add_argument("--lang", choices=LANGS, default=default_lang(),
                   help="language of the top hot spots table (default: %(default)s)")


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("incidents", metavar="INCIDENTS", help="a file `geo import` reads, or workspace:PATH")
    p.add_argument("--category", nargs="+", help="only these categories")
    p.add_argument("--area", help="only incidents in this area's boundaries (needs a workspace: boundaries)")
    p.add_argument("--unit", nargs="+", help="only these settlements, each by its id (unit_id) or its name; a name "
                                             "that several settlements share is an error that lists their ids "
                                             "(needs a workspace: boundaries)")
    p.add_argument("--start", help="first day, YYYY-MM-DD")
    p.add_argument("--end", help="last day (inclusive), YYYY-MM-DD")
    p.add_argument("--json", action="store_true", help="print the parameters used and counts as JSON")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m geo", description="Koopsuz crime-prevention mapping library.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo", help="write the synthetic Bishkek and Jeti-Oguz demo workspace")
    d.add_argument("--out", required=True, help="folder for demo.gpkg")
    d.add_argument("--scale", type=float, default=1.0, help="multiply incident volumes (default 1)")
    d.add_argument("--seed", type=int, default=20161231, help="random seed (default 20161231)")
    d.add_argument("--json", action="store_true", help="print a JSON summary")
    d.set_defaults(func=_demo)
    from koopsuz.evaluate_cli import add_evaluate_parser
    from koopsuz.import_cli import add_import_parser
    from koopsuz.survey_cli import add_survey_parser
    from koopsuz.user_cli import add_user_parser
    from koopsuz.workspace_cli import add_workspace_parser

    add_workspace_parser(sub)
    add_user_parser(sub)

    add_import_parser(sub, workspace_help=WORKSPACE_HELP)
    add_evaluate_parser(sub, workspace_help=WORKSPACE_HELP)
    add_survey_parser(sub, workspace_help=WORKSPACE_HELP)
    from koopsuz.nearrepeat_cli import add_nearrepeat_parser
    from koopsuz.spacetime_cli import add_spacetime_parsers

    add_nearrepeat_parser(sub)
    add_spacetime_parsers(sub, filters=_filters, langs=LANGS, default_lang=default_lang())

    k = sub.add_parser("density", help="kernel density surface as a GeoTIFF (incidents per km²)")
    _filters(k)
    k.add_argument("--out", required=True, help="GeoTIFF to write")
    k.add_argument("--kernel", default="quartic",
                   choices=("quartic", "gaussian", "epanechnikov", "triangular", "uniform"))
    k.add_argument("--bandwidth", type=float, help="metres (default: ArcGIS's spatial Silverman rule)")
    k.add_argument("--cell", type=float, help="cell size in metres (default: the shorter side / 250)")
    k.add_argument("--weight", help="column of weights")
    _top_args(k)
    k.set_defaults(func=_density)

    h = sub.add_parser("hotspots", help="Getis-Ord Gi* hot spots on a grid, FDR-corrected (GeoPackage)")
    _filters(h)
    h.add_argument("--out", required=True, help="GeoPackage to write (one row per cell)")
    h.add_argument("--cell", type=float, help="cell size in metres (default: as Optimized Hot Spot Analysis)")
    h.add_argument("--shape", choices=("square", "hex"), default="square")
    h.add_argument("--band", type=float, help="distance band in metres (default: as Optimized Hot Spot Analysis)")
    h.add_argument("--permutations", type=int, default=0, help="permutation inference (e.g. 999); default analytic")
    _top_args(h)
    h.set_defaults(func=_hotspots)

    g = sub.add_parser("gaps", help="coverage gaps: hot ground no station reaches, as the Planner and the pack (CSV)")
    _filters(g)
    g.add_argument("--stations", help="stations: a file or workspace:PATH (default: those of a workspace INCIDENTS)")
    g.add_argument("--radius", type=float, default=1500.0, help="service radius, metres (default 1500)")
    # geo.report.options.DEFAULT_HOTSPOT_METHOD, without importing the pack for every command (a test checks)
    g.add_argument("--method", choices=("gistar", "density"), default="gistar",
                   help="hot ground as Gi* hot spots at 95%% confidence or more (default, as the Planner and the "
                        "pack) or the densest tenth of a kernel density surface")
    g.add_argument("--cell", type=float, help="cell size in metres (default: each method's own)")
    g.add_argument("--lang", choices=LANGS, default=default_lang(), help="language of the table (default: %(default)s)")
    g.add_argument("--out", required=True, help="CSV of the gaps")
    g.set_defaults(func=_gaps)

    c = sub.add_parser("coverage", help="incidents within reach of the stations today (GeoPackage)")
    _filters(c)
    c.add_argument("--stations", required=True, help="stations: a file or workspace:PATH")
    c.add_argument("--radius", type=float, help="service radius, metres")
    c.add_argument("--minutes", type=float, help="drive time instead of a radius (needs --roads)")
    c.add_argument("--roads", help="roads: a file or workspace:PATH")
    c.add_argument("--out", required=True, help="GeoPackage to write")
    c.set_defaults(func=_coverage)

    s_ = sub.add_parser("site", help="optimal sites for new stations or cameras (GeoJSON)")
    _filters(s_)
    s_.add_argument("--radius", type=float, help="service radius, metres (or --minutes with --roads)")
    s_.add_argument("--minutes", type=float, help="drive time instead of a radius (needs --roads; not pmedian)")
    s_.add_argument("--roads", help="roads: a file or workspace:PATH")
    s_.add_argument("--k", type=int, help="number of new sites (mclp, pmedian)")
    s_.add_argument("--stations", help="existing stations, kept and counted: a file or workspace:PATH")
    s_.add_argument("--candidates", default="grid:500", help="a point file, workspace:PATH, or grid:M (default grid:500)")
    s_.add_argument("--model", choices=("mclp", "lscp", "pmedian"), default="mclp")
    s_.add_argument("--demand", choices=("incidents", "residents", "points", "mixed"), default="incidents",
                    help="what the new sites cover: the incidents (default); the residents (the settlements' "
                         "population spread over their roads; INCIDENTS a workspace:PATH); any points of INCIDENTS, "
                         "a file with no date or category needed, weighted by --weight; or incidents and residents "
                         "mixed, each a share of its own total (--incident-share)")
    s_.add_argument("--incident-share", type=float, default=0.5,
                    help="--demand mixed: the incidents' part of the objective, 0 to 1 (default 0.5)")
    s_.add_argument("--crs", help="--demand points: the coordinates' CRS when the file does not say (EPSG code)")
    s_.add_argument("--lang", choices=LANGS, default=default_lang(), help="language of the objective's words")
    s_.add_argument("--weight", help="column of weights (any name): the incidents' or, with --demand points, the "
                                     "points'")
    s_.add_argument("--target", type=float, help="lscp: share of coverable incidents to cover (default 1)")
    s_.add_argument("--time-limit", type=float, default=60, help="solver seconds (default 60); the gap is reported")
    s_.add_argument("--out", required=True, help="GeoJSON of the chosen sites")
    s_.set_defaults(func=_site)

    def report_args(q: argparse.ArgumentParser) -> None:
        q.add_argument("--workspace", help=WORKSPACE_HELP)
        q.add_argument("--municipality", help="the municipality's key, where the workspace location holds several")
        q.add_argument("--area", help="the area to map (default: all)")
        q.add_argument("--settlement", "--unit", nargs="+", dest="settlement",
                       help="only these settlements, each by its id (unit_id) or its name; a name that several "
                            "settlements share is an error that lists their ids")
        q.add_argument("--category", nargs="+", help="only these categories (hotspots: one category maps it alone)")
        q.add_argument("--start", help="first day, YYYY-MM-DD (default: 1 January of the latest year)")
        q.add_argument("--end", help="last day (inclusive), YYYY-MM-DD (default: the last incident)")
        q.add_argument("--paper", choices=("a4-landscape", "a4-portrait", "a3-landscape", "a3-portrait"),
                       default="a4-landscape")
        q.add_argument("--title", help="map or pack title")
        q.add_argument("--source", help="the data source line (default: the workspace's)")
        q.add_argument("--date", help="date printed on the maps, YYYY-MM-DD (default: today)")
        q.add_argument("--tiles", help="base tiles: osm or a URL template; default none (vector base, no network)")
        q.add_argument("--method", choices=("gistar", "density"), default="gistar",
                       help="hot spots as Gi* cells (default) or a kernel density surface; gaps use the same")
        q.add_argument("--lang", choices=LANGS, default=default_lang(),
                       help="language of every word, place name, number and date on the maps, pages, tables and "
                            "file names: ru (Russian), ky (Kyrgyz) or en (English); default: the KOOPSUZ_LANG "
                            "setting if it names one of them, else en (now: %(default)s). Messages of the command "
                            "line stay English")
        q.add_argument("--labels", choices=("name", "name_ru", "name_ky"),
                       help="place names on the maps: name (as stored), name_ru (Russian) or name_ky (Kyrgyz); "
                            "default: those of --lang, the stored name where one is missing")
        q.add_argument("--radius", type=float, default=1500.0, help="service radius for coverage and sites (m)")
        q.add_argument("--minutes", type=float,
                       help="coverage and sites by drive time over the roads layer instead of --radius")
        q.add_argument("--off-road-kmh", type=float, default=20.0,
                       help="with --minutes: speed between a point and its nearest road (default 20)")
        q.add_argument("--k", type=int, default=3, help="new sites on the sites map (default 3)")
        q.add_argument("--json", action="store_true", help="print what was written and the parameters as JSON")

    e = sub.add_parser("export", help="a print map (PNG, PDF, SVG) or a self-contained interactive map (HTML)")
    e.add_argument("--map", choices=("overview", "hotspots", "coverage", "sites"), required=True)
    e.add_argument("--format", choices=("png", "pdf", "svg", "html"), default="png")
    e.add_argument("--dpi", type=int, default=300, help="PNG resolution (default 300)")
    e.add_argument("--out", required=True, help="file to write")
    report_args(e)
    e.set_defaults(func=_export)

    k_ = sub.add_parser("pack", help="the action-plan pack: one PDF of maps, tables and methods, and a zip")
    k_.add_argument("--out", required=True, help="PDF to write")
    k_.add_argument("--zip", help="zip of the map images and tables (default: beside the PDF)")
    k_.add_argument("--no-zip", action="store_true", help="write the PDF only")
    k_.add_argument("--priority", nargs="+", help="priority categories, one hot spot map each (default: top 4)")
    k_.add_argument("--dpi", type=int, default=150, help="resolution of the images in the zip (default 150)")
    k_.add_argument("--analyses", nargs="+", choices=("emerging", "near_repeat", "forecast"),
                    help="optional pages: emerging hot spots (a map and a table), near repeats (the Knox table of "
                         "burglary), which map predicts best (a table and a chart)")
    report_args(k_)
    k_.set_defaults(func=_pack)
    return p


def _workspace_of(args: argparse.Namespace) -> str:
    """The one workspace a command works on: --workspace, else the app's location and --municipality."""
    from geo.io.workspaces import default_location, resolve_workspace

    location = args.workspace or default_location()
    return resolve_workspace(location, args.municipality, create=args.command == "import")


def _error_line(args: argparse.Namespace, exc: BaseException) -> str:
    """One line naming the file: ``error: <file>: <reason>`` (a message that names no file gets the input's name)."""
    text = " ".join(str(exc).split("\n")).strip() or type(exc).__name__
    given = getattr(args, "file", None)
    if given:
        names = [str(given), Path(given).name, str(getattr(args, "workspace", "") or ""),
                 Path(getattr(args, "workspace", "") or "").name]
        if not any(n and text.startswith(n) for n in names):
            text = f"{Path(given).name}: {text}"
    return f"error: {text}"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        check = getattr(args, "check", None)
        if check is not None:
            check(args)
        if "workspace" in vars(args) and "municipality" in vars(args) and getattr(
                args, "needs_workspace", lambda _a: True)(args):
            args.workspace = _workspace_of(args)
        return int(args.func(args))
    except USER_ERRORS as exc:
        print(_error_line(args, exc), file=sys.stderr)
        return 2
