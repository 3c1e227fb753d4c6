"""Published artefacts: kept in the municipality's workspace, frozen, listed by audience, withdrawn.

A publication is what an analyst made for viewers or the public (a map or the action-plan pack, built
from masked data by :mod:`geo.publish.make`): its files as they were made, its title, audience,
language, author, time and parameters (period, area, categories, the masking's method and measures).
Nothing of it is recomputed later: a reader gets the bytes made at publication, whatever the workspace
holds since, so what was published is what is read.

Two tables of the workspace store, both only ever appended to (every write is the store's atomic,
locked write, so two analysts publishing at once both land, and a crash leaves each table whole):

- ``published``: one row per file (``pub_id``, ``kind``, ``category``, ``title``, ``audience``,
  ``lang``, ``published_at``, ``published_by``, ``params`` as JSON, ``file_name``, ``media_type``,
  ``size`` and ``content``, the bytes in base64: text reads and writes alike in a GeoPackage and
  PostGIS, and the file travels with ``python -m geo workspace copy``);
- ``published_withdrawn``: one row per withdrawal (``pub_id``, ``withdrawn_at``, ``withdrawn_by``).

A withdrawn publication is no longer listed nor read; its row stays, as the audit trail's does.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.auth.store import parse_time, stamp, utc_now
from geo.messages import PUBLISH_BAD_AUDIENCE, PUBLISH_NO_FILES, PUBLISH_NO_TITLE, PUBLISH_NOT_FOUND, PUBLISH_TOO_BIG
from geo.plain import plain

__all__ = ["AUDIENCES", "MAX_BYTES", "PUBLISHED_TABLE", "WITHDRAWN_TABLE", "Publication", "publication_file",
           "publications", "publish", "withdraw"]

PUBLISHED_TABLE = "published"
WITHDRAWN_TABLE = "published_withdrawn"
AUDIENCES = ("viewer", "public")  # who may read it: viewers (and more) of the municipality, or everyone
MAX_BYTES = 64 * 1024 * 1024  # all files of one publication: a pack of many maps stays far below
MAX_TITLE = 200
_FILE_NAME = re.compile(r"[^/\\\x00-\x1f]{1,120}")
_META_COLUMNS = ("pub_id", "kind", "category", "title", "audience", "lang", "published_at", "published_by", "params")


@dataclass(frozen=True)
class Publication:
    """One publication as listed: everything but the files' bytes (:func:`publication_file` reads those)."""

    pub_id: str
    kind: str
    category: str | None
    title: str
    audience: str
    lang: str
    published_at: dt.datetime
    published_by: str
    params: dict[str, Any] = field(default_factory=dict)
    files: tuple[tuple[str, str, int], ...] = ()  # (file name, media type, bytes)

    def readable_by(self, role: str | None) -> bool:
        """Whether a reader of ``role`` in the municipality may read it (``None``: the public)."""
        return self.audience == "public" or role in ("viewer", "analyst", "admin")


def publish(store, *, kind: str, title: str, audience: str, by: str,  # noqa: ANN001 - a workspace store
            files: Mapping[str, tuple[str, bytes]], lang: str, params: Mapping[str, Any] | None = None,
            category: str | None = None, now: dt.datetime | None = None) -> Publication:
    """Keep a publication in ``store`` (a workspace store), in one append.

    Parameters
    ----------
    store
        The municipality's workspace (:func:`geo.io.workspaces.open_workspace`).
    kind : str
        What it is: a map kind of :data:`geo.report.MAP_KINDS` or ``"pack"``.
    title : str
        As readers see it (1 to 200 characters).
    audience : {"viewer", "public"}
    by : str
        The publishing account's user name.
    files : mapping of str to (str, bytes)
        File name to (media type, bytes).
    lang : str
        The language the files are written in.
    params : mapping, optional
        How it was made (JSON-able after :func:`geo.plain.plain`).
    category : str, optional
        A hot spot map's category.
    now : datetime, optional
        The publication's time (default now, UTC).

    Returns
    -------
    Publication

    Raises
    ------
    ValueError
        An unknown audience, an empty title, no file, a file name with a path in it, or files larger
        than :data:`MAX_BYTES` together.
    """
    if audience not in AUDIENCES:
        msg = PUBLISH_BAD_AUDIENCE.format(value=audience)
        raise ValueError(msg)
    title = " ".join(str(title or "").split())[:MAX_TITLE]
    if not title:
        raise ValueError(PUBLISH_NO_TITLE)
    if not files:
        raise ValueError(PUBLISH_NO_FILES)
    bad = [name for name in files if not _FILE_NAME.fullmatch(str(name)) or str(name) in (".", "..")]
    if bad:
        msg = f"{bad[0]!r} cannot be a published file's name"
        raise ValueError(msg)
    total = sum(len(payload) for _media, payload in files.values())
    if total > MAX_BYTES:
        msg = PUBLISH_TOO_BIG.format(size=total // (1024 * 1024), limit=MAX_BYTES // (1024 * 1024))
        raise ValueError(msg)
    pub_id = uuid.uuid4().hex[:16]
    when = stamp(now or utc_now())
    params_text = json.dumps(plain(dict(params or {})), ensure_ascii=False, sort_keys=True, default=_json_value)
    rows = pd.DataFrame([{"pub_id": pub_id, "kind": str(kind), "category": "" if category is None else str(category),
                          "title": title, "audience": audience, "lang": str(lang), "published_at": when,
                          "published_by": str(by), "params": params_text, "file_name": str(name),
                          "media_type": str(media), "size": len(payload),
                          "content": base64.b64encode(payload).decode("ascii")}
                         for name, (media, payload) in files.items()])
    store.write({PUBLISHED_TABLE: rows}, mode="append")
    return _publication(rows)


def publications(store, *, role: str | None = "admin") -> list[Publication]:  # noqa: ANN001
    """The publications a reader of ``role`` may read, newest first, withdrawn ones left out."""
    rows = _rows(store, content=False)
    if rows.empty:
        return []
    gone = _withdrawn(store)
    out = [_publication(group) for pub_id, group in rows.groupby("pub_id", sort=False) if pub_id not in gone]
    out = [p for p in out if p.readable_by(role)]
    return sorted(out, key=lambda p: (p.published_at, p.pub_id), reverse=True)


def publication_file(store, pub_id: str, file_name: str, *, role: str | None = "admin") -> bytes:  # noqa: ANN001
    """The bytes of one file of a publication, as they were published.

    Raises
    ------
    KeyError
        No such publication or file, the publication is withdrawn, or ``role`` may not read it (the same
        words for each: a reader learns nothing of what they may not read).
    """
    rows = _rows(store, content=True)
    mine = rows[(rows["pub_id"] == str(pub_id)) & (rows["file_name"] == str(file_name))] if len(rows) else rows
    if mine.empty or str(pub_id) in _withdrawn(store) or not _publication(mine).readable_by(role):
        raise KeyError(PUBLISH_NOT_FOUND)
    return base64.b64decode(str(mine["content"].iloc[0]))


def withdraw(store, pub_id: str, *, by: str, now: dt.datetime | None = None) -> None:  # noqa: ANN001
    """Take a publication off the list (its rows stay, as a record).

    Raises
    ------
    KeyError
        No such publication, or it is withdrawn already.
    """
    rows = _rows(store, content=False)
    if rows.empty or str(pub_id) not in set(rows["pub_id"]) or str(pub_id) in _withdrawn(store):
        raise KeyError(PUBLISH_NOT_FOUND)
    store.write({WITHDRAWN_TABLE: pd.DataFrame({"pub_id": [str(pub_id)], "withdrawn_at": [stamp(now or utc_now())],
                                                "withdrawn_by": [str(by)]})}, mode="append")


def _json_value(value: object) -> str:
    """Dates as ISO text (a period's ends); anything else JSON does not know as its text."""
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)


def _rows(store, *, content: bool) -> pd.DataFrame:  # noqa: ANN001
    if not store.exists or not store.has(PUBLISHED_TABLE):
        return pd.DataFrame(columns=[*_META_COLUMNS, "file_name", "media_type", "size", "content"])
    rows = store.read_table(PUBLISHED_TABLE)
    for column in (*_META_COLUMNS, "file_name", "media_type"):
        rows[column] = rows[column].fillna("").astype(str)
    return rows if content else rows.drop(columns=["content"])


def _withdrawn(store) -> set[str]:  # noqa: ANN001
    if not store.exists or not store.has(WITHDRAWN_TABLE):
        return set()
    return set(store.read_table(WITHDRAWN_TABLE)["pub_id"].astype(str))


def _publication(rows: pd.DataFrame) -> Publication:
    first = rows.iloc[0]
    try:
        params = json.loads(first["params"]) if first["params"] else {}
    except json.JSONDecodeError:  # a row edited by hand in QGIS: listed, without its parameters
        params = {}
    return Publication(pub_id=str(first["pub_id"]), kind=str(first["kind"]), category=str(first["category"]) or None,
                       title=str(first["title"]), audience=str(first["audience"]), lang=str(first["lang"]),
                       published_at=parse_time(first["published_at"]) or utc_now(),
                       published_by=str(first["published_by"]), params=params,
                       files=tuple((str(r.file_name), str(r.media_type), int(r.size)) for r in rows.itertuples()))
