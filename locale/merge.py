"""Merge translation tables (TSV: msgid, ru, ky) into the catalogs: ``python locale/merge.py FILE ...``.

A line is ``msgid<TAB>ru<TAB>ky``; a plural is ``singular|plural<TAB>ru forms|...<TAB>ky forms|...``;
``\\t`` and ``\\n`` stand for a tab and a newline. Only messages the catalog already holds (``make
i18n-update`` puts every message of the code there) are filled; the others are listed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent


def _text(s: str) -> str:
    return s.replace("\\t", "\t").replace("\\n", "\n")


def main(files: list[str]) -> int:
    rows = []
    for f in files:
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                parts = line.split("\t")
                if len(parts) != 3:
                    print(f"{f}: not msgid, ru, ky: {line[:60]!r}", file=sys.stderr)
                    continue
                rows.append(tuple(_text(p) for p in parts))
    unknown = set()
    for i, lang in enumerate(("ru", "ky"), start=1):
        path = LOCALE / lang / "LC_MESSAGES" / "koopsuz.po"
        with path.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        for row in rows:
            key, text = row[0], row[i]
            context = None
            if "::" in key:
                context, key = key.split("::", 1)
            msgid = tuple(key.split("|")) if "|" in key else key
            m = cat.get(msgid[0] if isinstance(msgid, tuple) else msgid, context=context)
            if m is None:
                unknown.add(key)
                continue
            m.string = tuple(text.split("|")) if isinstance(m.id, tuple | list) else text
            m.flags.discard("fuzzy")
            m.flags.discard("python-format")  # messages use {fields}, never %: "90% confidence" is text
        with path.open("wb") as fh:
            write_po(fh, cat, width=120, sort_output=True, omit_header=False)
    for key in sorted(unknown):
        print(f"not in the catalog: {key!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
