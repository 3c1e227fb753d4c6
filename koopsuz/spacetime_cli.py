"""``python -m geo emerging ...`` and ``python -m geo forecast ...``: what is emerging, which map predicts best.

Both read INCIDENTS as the other analysis commands do (a file ``geo import`` reads, or ``workspace:PATH``, with
``--area``, ``--category``, ``--start`` and ``--end``), and call the functions the pages and the pack call::

    python -m geo emerging workspace:data/demo/demo.gpkg --area Bishkek --category burglary --out em.gpkg
    python -m geo forecast workspace:data/demo/demo.gpkg --area Bishkek [--train 12] [--test 24] [--json]

``emerging`` writes one row per analysed cell (its pattern, counts, trend) to a GeoPackage and prints the
cells per pattern; ``forecast`` prints, per method and share of the area, the months scored and the mean hit
rate, PAI and PEI, and the method to follow. ``--json`` prints the parameters and results as one object.
"""

from __future__ import annotations

import argparse


def _emerging(args: argparse.Namespace) -> int:
    from koopsuz.cli import _answer, _some, _study, _write_gpkg

    from geo.report.spacetime import emerging_sentence
    from geo.spacetime import emerging_hotspots

    study = _study(args.incidents, args)
    result = emerging_hotspots(study.incidents, cell=args.cell, step=args.step, time_lag=args.time_lag,
                               band=args.band, boundary=_some(study.units))
    cells = result.cells
    if args.out:
        _write_gpkg(args.out, {"emerging_hotspots": cells})
    counts = result.counts()
    summary = {"out": args.out, **result.params, "cells": int(result.mask.sum()),
               "steps": [s.date().isoformat() for s in result.steps], "patterns": counts}
    lines = [emerging_sentence(result, lang=args.lang)]
    lines += [f"  {k}: {v}" for k, v in counts.items() if v]
    return _answer(args, summary, "\n".join(lines))


def _forecast(args: argparse.Namespace) -> int:
    from koopsuz.cli import _answer, _some, _study

    from geo.forecast import forecast_accuracy
    from geo.plain import plain
    from geo.report.spacetime import forecast_sentence

    study = _study(args.incidents, args)
    fc = forecast_accuracy(study.incidents, cell=args.cell, boundary=_some(study.units), train_months=args.train,
                           test_months=args.test, shares=tuple(args.share))
    rows = [{k: plain(v) if k != "method" else str(v) for k, v in r.items()} for r in fc.summary.to_dict("records")]
    summary = {**fc.params, "summary": rows, "best": {str(s): fc.best(s) for s in args.share},
               "windows": len(fc.windows)}
    lines = [forecast_sentence(fc, share=s, lang=args.lang) for s in args.share]
    for r in rows:
        lines.append(f"  {r['method']:<12} share {r['share']:.0%}: {r['months']} months, hit rate "
                     f"{(r['mean_hit_rate'] or 0):.1%}, PAI {(r['mean_pai'] or 0):.2f}, PEI {(r['mean_pei'] or 0):.2f}")
    return _answer(args, summary, "\n".join(lines))


def add_spacetime_parsers(sub: argparse._SubParsersAction, *, filters, langs: tuple[str, ...],  # noqa: ANN001
                          default_lang: str) -> None:
    """Add ``emerging`` and ``forecast`` to the command line (``filters`` adds INCIDENTS and the filters)."""
    e = sub.add_parser("emerging", help="emerging hot spots: Gi* per month, the Mann-Kendall trend and ArcGIS Pro's "
                                        "17 patterns (GeoPackage of cells)")
    filters(e)
    e.add_argument("--out", help="GeoPackage to write (one row per analysed cell)")
    e.add_argument("--cell", type=float, help="cell size in metres (default: as Gi* hot spots)")
    e.add_argument("--band", type=float, help="distance band in metres (default: as Gi* hot spots)")
    e.add_argument("--step", choices=("month", "quarter", "week", "day"), default="month", help="time step")
    e.add_argument("--time-lag", type=int, default=1, help="earlier steps in each neighbourhood (default 1)")
    e.add_argument("--lang", choices=langs, default=default_lang, help="language of the sentence")
    e.set_defaults(func=_emerging)

    f = sub.add_parser("forecast", help="which map predicts next month best: hit rate, PAI and PEI of each "
                                        "method's map on the months held out")
    filters(f)
    f.add_argument("--cell", type=float, help="cell size in metres (default: as Gi* hot spots)")
    f.add_argument("--train", type=int, default=12, help="months each map is drawn from (default 12)")
    f.add_argument("--test", type=int, default=24, help="months held out, the last of the data (default 24)")
    f.add_argument("--share", type=float, nargs="+", default=[0.01, 0.05, 0.10],
                   help="shares of the area to score at (default 0.01 0.05 0.10)")
    f.add_argument("--lang", choices=langs, default=default_lang, help="language of the sentences")
    f.set_defaults(func=_forecast)
