"""Where each layer of a workspace came from, and the one line that says so on every map and in the pack.

The demo writes the workspace's title ("Koopsuz demo: Bishkek and Jeti-Oguz
(synthetic)") into its metadata; an import replaces a layer but not the title.
So every import records its layer's origin in the metadata (``source.<layer>``:
the files, the day and the rows, see :func:`layer_record`), and
:func:`source_text` builds the source line from those records: the imported
layers by their files, the rest by the workspace's title::

    Incidents: chicago_2014.csv, imported 2026-11-30; Other layers: Koopsuz demo: Bishkek and Jeti-Oguz (synthetic)

The line is written in English from templates of :mod:`geo.messages`, so that a
stored copy (the pack's options) is translated by :meth:`geo.i18n.Tr.message`
as every library message is; ``lang`` gives it in a language directly. Dates
are written ``YYYY-MM-DD``, which reads the same in every language.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from geo import messages as M
from geo.i18n import Tr

__all__ = ["LAYER_ORDER", "SOURCE_KEY", "layer_record", "layer_records", "source_in", "source_text"]

SOURCE_KEY = "source."  # metadata key prefix: "source.incidents" holds the incidents' record (JSON)
LAYER_ORDER = ("incidents", "stations", "cameras", "boundaries", "roads")


def layer_record(previous: str | None, *, file: str, imported_at: str, rows: int, mode: str) -> str:
    """A layer's origin after one import, as the JSON text stored under ``source.<layer>``.

    ``mode="replace"`` starts the record afresh; ``"append"`` adds the file (once) and its rows to
    ``previous``. ``imported_at`` is an ISO timestamp; the record keeps the latest.
    """
    old = _parse(previous) if mode == "append" else None
    files = [*(old or {}).get("files", []), file]
    record = {"files": list(dict.fromkeys(str(f) for f in files)),
              "imported_at": str(imported_at),
              "rows": int(rows) + (int((old or {}).get("rows", 0)) if old else 0)}
    return json.dumps(record, ensure_ascii=False)


def layer_records(meta: Mapping[str, str], import_log: pd.DataFrame | Iterable[Mapping] | None = None,
                  ) -> dict[str, dict]:
    """Each imported layer's origin: ``{"files": [...], "imported_at": "...", "rows": n}`` by layer.

    From the metadata's ``source.<layer>`` records; a workspace imported into before they were kept
    gives them from its ``import_log`` (a replace starts a layer's record, an append adds to it).
    """
    out: dict[str, dict] = {}
    for key, value in meta.items():
        if str(key).startswith(SOURCE_KEY) and (rec := _parse(value)) is not None:
            out[str(key)[len(SOURCE_KEY):]] = rec
    if import_log is None:
        return out
    rows = import_log.to_dict("records") if isinstance(import_log, pd.DataFrame) else list(import_log)
    from_log: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: str(r.get("imported_at", ""))):
        layer = str(row.get("layer", ""))
        if not layer or not row.get("source"):
            continue
        from_log[layer] = layer_record(from_log.get(layer), file=str(row["source"]),
                                       imported_at=str(row.get("imported_at", "")),
                                       rows=_whole(row.get("accepted")), mode=str(row.get("mode") or "replace"))
    for layer, text in from_log.items():
        out.setdefault(layer, json.loads(text))
    return out


def source_text(meta: Mapping[str, str], import_log: pd.DataFrame | Iterable[Mapping] | None = None, *,
                layers: Sequence[str] | None = None, lang: str = "en") -> str:
    """The source line of a workspace's maps and pack: each imported layer by its files, the rest by the title.

    Parameters
    ----------
    meta : mapping
        The workspace's metadata (:meth:`geo.io.store.Workspace.meta`): ``title``, ``source.<layer>``.
    import_log : DataFrame or records, optional
        The ``import_log`` table, for a workspace imported into before the records were kept.
    layers : sequence of str, optional
        The layers that hold rows (the others are not named); all five by default.
    lang : {"en", "ru", "ky"}
        The language of the line; English (the default) is what the library stores.

    Returns
    -------
    str
        ``"Incidents: chicago_2014.csv, imported 2026-11-30; Other layers: <title>"``; the title alone
        when nothing was imported (the demo as generated); ``meta["source"]`` when the workspace states
        its source itself; "" when there is nothing to say (no record, no title).
    """
    _ = Tr(lang)
    if meta.get("source"):
        return _.message(str(meta["source"]))
    title = str(meta.get("title") or "").strip()
    records = layer_records(meta, import_log)
    present = [n for n in LAYER_ORDER if layers is None or n in layers]
    imported = [n for n in present if n in records]
    if not imported:
        return _.message(title) if title else ""
    parts = []
    for n in imported:
        rec = records[n]
        files = ", ".join(rec.get("files", [])) or "?"
        day = str(rec.get("imported_at", ""))[:10]
        parts.append(_(M.SOURCE_IMPORTED[n], file=files, date=day) if day else _(M.SOURCE_FILE[n], file=files))
    rest = [n for n in present if n not in records]
    if rest and title:
        origin = _.message(title)
        parts.append(_(M.SOURCE_FROM[rest[0]], origin=origin) if len(rest) == 1
                     else _(M.SOURCE_OTHER, origin=origin))
    return "; ".join(parts)



def source_in(text: str, *, lang: str) -> str:
    """A source line stored in English (:func:`source_text`, or the user's own words) in ``lang``.

    Each part between "; " is translated alone (:meth:`geo.i18n.Tr.message`): read whole, "Incidents: a.csv,
    imported ...; Other layers: ..." would be taken for one "{field}: {message}" and its first part left in
    English. A user's own source matches no template and stays as written.
    """
    _ = Tr(lang)
    return "; ".join(_.message(part) for part in str(text).split("; "))

def _parse(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _whole(value: object) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
