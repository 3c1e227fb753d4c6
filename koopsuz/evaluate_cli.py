"""``python -m geo evaluate ...``: did an intervention work? From a workspace, or from counts alone.

From counts, as the spreadsheets of the field do::

    python -m geo evaluate --treated 207,110 --control 308,318 --displacement 178,157 \\
        --displacement-control 150,140 [--json]

From a workspace's interventions layer::

    python -m geo evaluate --workspace PATH --intervention NAME [--radius M] [--ring M] \\
        [--control SETTLEMENT ...] [--months N] [--category C ...] [--json]

``--json`` prints ``wdd``, ``se``, ``z``, ``p``, ``ci`` (lower, upper), ``wdq``, ``tne`` and the counts used
(with a workspace also the periods, areas, control, counts by category and the monthly series). The text
output is the verdict in plain words (``--lang``), the same sentences the page and the pack print.
"""

from __future__ import annotations

import argparse
import json
import os


def _counts_mode(args: argparse.Namespace) -> int:
    from geo.evaluate import effects, limits

    result = effects(args.treated, args.control, displacement=args.displacement,
                     displacement_control=args.displacement_control, alpha=args.alpha)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return 0
    _print_text(result, args.lang)
    for line in limits(lang=args.lang):
        print("- " + line)
    return 0


def _print_text(result, lang: str) -> None:  # noqa: ANN001 - an Effects
    from geo.evaluate import verdict

    e = result
    level = round(100 * (1 - e.alpha))
    print(f"WDD {e.wdd:.1f} (SE {e.se:.1f}), z {e.z if e.z is None else round(e.z, 2)}, "
          f"p {e.p if e.p is None else round(e.p, 4)}, {level}% CI {e.ci[0]:.1f} to {e.ci[1]:.1f}; "
          f"WDQ {e.wdq if e.wdq is None else round(e.wdq, 3)}, TNE {e.tne if e.tne is None else round(e.tne, 1)}")
    for line in verdict(e, lang=lang):
        print(line)


def _workspace_mode(args: argparse.Namespace) -> int:
    from geo import messages as M
    from geo.evaluate import evaluate, limits, verdict
    from geo.io.workspaces import open_workspace
    from geo.plain import plain
    from geo.schema import validate

    ws = open_workspace(args.workspace)
    acts = validate(ws.read("interventions"), "interventions").accepted
    if acts.empty:
        raise ValueError(M.EVAL_NO_INTERVENTIONS)
    names = acts["name"].astype(str)
    match = acts[names.str.casefold() == args.intervention.casefold()]
    if match.empty:
        msg = M.EVAL_UNKNOWN_INTERVENTION.format(name=args.intervention, names=", ".join(names))
        raise ValueError(msg)
    act = match.iloc[0]
    targets = [c.strip() for c in str(act.get("categories") or "").split(",") if c.strip()]
    categories = args.category or targets or None
    incidents = validate(ws.read("incidents"), "incidents").accepted
    boundaries = validate(ws.read("boundaries"), "boundaries").accepted
    ev = evaluate(incidents, act.geometry, act["started"], boundaries=boundaries, geometry_crs=acts.crs,
                  radius=args.radius, ring=args.ring, control=args.control or (), months=args.months,
                  categories=categories, alpha=args.alpha, others=acts[names != str(act["name"])])
    if args.json:
        p = ev.periods
        out = {**ev.effects.as_dict(), "intervention": str(act["name"]), "started": act["started"],
               "periods": {"before": list(p.label("before")), "after": list(p.label("after")), "months": p.months,
                           "seasonal": p.seasonal},
               "control": list(ev.control), "control_proposed": ev.proposed,
               "categories": list(ev.categories or []),
               "areas_km2": dict(zip(ev.areas["role"], ev.areas["area_km2"].round(4), strict=True)),
               "by_category": ev.by_category.to_dict("records"),
               "series": [{"month": m.strftime("%Y-%m"), **{k: int(v) for k, v in row.items() if k != "month"}}
                          for m, row in zip(ev.series["month"], ev.series.to_dict("records"), strict=True)],
               "verdict": verdict(ev.effects, lang=args.lang), "notes": list(ev.notes) + list(ev.effects.notes)}
        print(json.dumps(plain(out), ensure_ascii=False, default=str))
        return 0
    p = ev.periods
    print(f"{act['name']}: {p.label('before')[0]} to {p.label('before')[1]} against "
          f"{p.label('after')[0]} to {p.label('after')[1]}; control: {', '.join(ev.control)}"
          + (" (proposed)" if ev.proposed else ""))
    _print_text(ev.effects, args.lang)
    for note in ev.notes:
        print(note)
    for line in limits(lang=args.lang):
        print("- " + line)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    if args.treated is not None or args.control_counts is not None:
        if args.treated is None or args.control_counts is None:
            msg = "from counts, give both --treated B,A and --control B,A"
            raise ValueError(msg)
        args.control = args.control_counts
        return _counts_mode(args)
    if not args.intervention:
        msg = "give --intervention NAME (with --workspace), or the counts: --treated B,A --control B,A"
        raise ValueError(msg)
    return _workspace_mode(args)


class _ControlAction(argparse.Action):
    """``--control``: one "B,A" pair of counts, or settlement names (several words or several values)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # noqa: ANN001
        if len(values) == 1 and "," in values[0] and all(p.strip().replace(".", "", 1).isdigit()
                                                         for p in values[0].split(",")):
            namespace.control_counts = values[0]
        else:
            namespace.control = list(values)


def add_evaluate_parser(sub: argparse._SubParsersAction, *, workspace_help: str) -> None:
    """Add ``evaluate`` to the command line."""
    e = sub.add_parser("evaluate", help="did an intervention work? WDD and WDQ from a workspace or from counts")
    e.add_argument("--treated", metavar="B,A", help="counts before and after in the treated area")
    e.add_argument("--control", nargs="+", action=_ControlAction, default=None, metavar="B,A|SETTLEMENT",
                   help="counts before and after in the control area; or, with --intervention, its settlements "
                        "(default: proposed, those most alike before)")
    e.add_argument("--displacement", metavar="B,A", help="counts before and after in the displacement ring")
    e.add_argument("--displacement-control", metavar="B,A",
                   help="counts before and after in the ring's control (default: --control's)")
    e.add_argument("--workspace", help=workspace_help)
    e.add_argument("--municipality", help="the municipality's key, where the location holds several")
    e.add_argument("--intervention", help="the intervention's name in the workspace's interventions layer")
    e.add_argument("--radius", type=float, help="metres round a point or line intervention (default 400; a "
                                                "polygon is used as it is)")
    e.add_argument("--ring", type=float, default=400.0, help="metres of the displacement ring (default 400; 0: none)")
    e.add_argument("--months", type=int, help="length of each period (default: the longest up to 12 the data hold)")
    e.add_argument("--category", nargs="+", help="categories counted (default: the intervention's targets)")
    e.add_argument("--alpha", type=float, default=0.05, help="1 - confidence of the interval (default 0.05)")
    e.add_argument("--lang", choices=("ru", "ky", "en"), default=os.environ.get("KOOPSUZ_LANG", "en")
                   if os.environ.get("KOOPSUZ_LANG") in ("ru", "ky", "en") else "en",
                   help="language of the verdict (default KOOPSUZ_LANG, else English)")
    e.add_argument("--json", action="store_true", help="print the result as JSON")
    # from counts alone no workspace is opened (koopsuz.cli.main finds one only for commands that need it)
    e.set_defaults(func=_evaluate, control_counts=None,
                   needs_workspace=lambda a: a.treated is None and a.control_counts is None)
