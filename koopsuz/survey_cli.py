"""``python -m geo survey import FILE``: a residents' survey into a workspace, every row accounted for.

One row per respondent and question (settlement, question, answer on a 1-5 or up to 1-10 scale, optional
weight), or one row per settlement and question already aggregated (share, respondents). Rows the platform
cannot use are kept in the workspace's ``survey_rejected`` table with their reason and printed; the survey
and its rejected rows are written in one atomic step.
"""

from __future__ import annotations

import argparse
import json


def _import(args: argparse.Namespace) -> int:
    from geo.evaluate.perception import SURVEY_TABLE, prepare_survey, survey_shares
    from geo.io.readers import read_table
    from geo.io.workspaces import open_workspace
    from geo.schema import validate

    ws = open_workspace(args.workspace)
    raw = read_table(args.file)
    boundaries = validate(ws.read("boundaries"), "boundaries").accepted
    accepted, rejected = prepare_survey(raw.frame, settlements=set(boundaries["name"].astype(str)),
                                        source=raw.source, boundaries=boundaries)
    if accepted.empty:
        msg = f"{raw.source}: no usable row ({len(rejected)} rejected: {rejected['reason'].value_counts().to_dict()})"
        raise ValueError(msg)
    shares = survey_shares(accepted)  # refuses what the page could not read, before anything is written
    if not args.dry_run:
        ws.write({SURVEY_TABLE: accepted, f"{SURVEY_TABLE}_rejected": rejected},
                 mode={SURVEY_TABLE: args.mode, f"{SURVEY_TABLE}_rejected": args.mode})
    summary = {"file": raw.source, "workspace": ws.label, "rows": len(raw.frame), "accepted": len(accepted),
               "rejected": len(rejected), "reasons": rejected["reason"].value_counts().to_dict(),
               "settlements": int(shares["settlement"].nunique()), "questions": sorted(shares["question"].unique()),
               "mode": args.mode, "written": not args.dry_run}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"{raw.source}: {len(accepted)} of {len(raw.frame)} rows accepted into {ws.label} ({args.mode}); "
              f"{summary['settlements']} settlements, questions: {', '.join(summary['questions'])}")
        for row in rejected.head(20).itertuples():
            print(f"  row {row.row}: {row.reason}")
        if len(rejected) > 20:
            print(f"  ... and {len(rejected) - 20} more rejected rows (kept in the survey_rejected table)")
    return 0


def add_survey_parser(sub: argparse._SubParsersAction, *, workspace_help: str) -> None:
    """Add ``survey import`` to the command line."""
    s = sub.add_parser("survey", help="residents' surveys: import one into a workspace")
    ssub = s.add_subparsers(dest="survey_command", required=True, metavar="ACTION")
    i = ssub.add_parser("import", help="import survey answers (CSV, TSV or XLSX), every row accounted for")
    i.add_argument("file", help="one row per respondent and question, or per settlement and question")
    i.add_argument("--workspace", help=workspace_help)
    i.add_argument("--municipality", help="the municipality's key, where the location holds several")
    i.add_argument("--mode", choices=("replace", "append"), default="replace",
                   help="replace the workspace's survey (default) or add to it")
    i.add_argument("--dry-run", action="store_true", help="check the file and write nothing")
    i.add_argument("--json", action="store_true", help="print the summary as JSON")
    i.set_defaults(func=_import)
