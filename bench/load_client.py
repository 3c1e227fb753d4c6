"""A Streamlit session without a browser: the websocket and protobuf messages the frontend exchanges.

A browser session is one websocket to ``/_stcore/stream``. The frontend asks
for a page run with a ``BackMsg.rerun_script`` (a ``ClientState``: the address's
query string, the page's ``page_script_hash`` or its ``page_name`` for a first
load by address, the widget states and the hashes of the large messages it has
already kept) and the server answers with ``ForwardMsg``s: ``new_session``, the
page's deltas, and ``script_finished``. This client does the same and nothing
else (it draws nothing), so that twenty sessions cost the machine what the
server spends on them, not what twenty Chromiums spend drawing.

As the frontend does, the client remembers the hash of every message marked
``metadata.cacheable`` and sends them with the next rerun: the server then
sends a short ``ref_hash`` in place of an unchanged large element (the map).

An exception element in the delta stream (a traceback shown on the page), a
run that does not finish with ``FINISHED_SUCCESSFULLY``, a ``page_not_found``
or a closed socket count as errors. ``st.error`` boxes are counted apart.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

__all__ = ["PageRun", "StreamlitSession"]

MAP_COMPONENT = "st_folium"  # streamlit_folium's component: the map's element


@dataclass
class PageRun:
    """One page run as the server delivered it."""

    page: str
    seconds: float  # from sending the rerun to the script_finished message
    status: str = ""
    errors: list[str] = field(default_factory=list)
    error_boxes: int = 0  # st.error elements (the page's own messages, not crashes)
    messages: int = 0
    bytes: int = 0
    map_bytes: int = 0  # size of the map element's message (0: no map sent in full)
    refs: int = 0  # large elements the server sent as a reference to a message the client kept
    map_refs: int = 0  # of which the map
    first_map_seconds: float | None = None  # when the map's message arrived

    @property
    def ok(self) -> bool:
        return self.status == "FINISHED_SUCCESSFULLY" and not self.errors


class StreamlitSession:
    """One websocket session of a Streamlit app (``url``: ``http://host:port/``)."""

    def __init__(self, url: str, *, query: str = "", locale: str = "ru-RU", timeout: float = 300.0) -> None:
        self.url = url.rstrip("/")
        self.query = query
        self.locale = locale
        self.timeout = timeout
        self.cache: set[str] = set()
        self.map_hashes: set[str] = set()
        self.pages: dict[str, str] = {}  # url path -> page_script_hash, from the navigation message
        self.ws = None
        self.cookies = ""

    async def __aenter__(self) -> StreamlitSession:
        ws_url = self.url.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        headers = {"Cookie": self.cookies} if self.cookies else None
        # max_size=None: the map's message is several megabytes; compression as a browser offers it
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                           additional_headers=headers, open_timeout=self.timeout,
                                           ping_interval=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(self, page: str = "") -> PageRun:
        """Ask for a run of ``page`` (its url path, ``""`` for the default) and wait for it to finish."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        if page in self.pages:
            cs.page_script_hash = self.pages[page]
        else:
            cs.page_name = page  # a first load by address: the server resolves the name
        cs.cached_message_hashes.extend(sorted(self.cache))
        cs.context_info.timezone = "Asia/Bishkek"
        cs.context_info.timezone_offset = -360
        cs.context_info.locale = self.locale
        cs.context_info.url = f"{self.url}/{page}?{self.query}"
        out = PageRun(page=page or "(default)", seconds=0.0)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(self._receive(out, t0), self.timeout)
        except TimeoutError:
            out.errors.append(f"no script_finished within {self.timeout:.0f} s")
        except websockets.ConnectionClosed as exc:
            out.errors.append(f"websocket closed: {exc}")
        out.seconds = time.perf_counter() - t0
        return out

    async def _receive(self, out: PageRun, t0: float) -> None:
        while True:
            raw = await self.ws.recv()
            out.messages += 1
            out.bytes += len(raw)
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            if fm.metadata.cacheable and fm.hash:
                self.cache.add(fm.hash)
            kind = fm.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
                for p in fm.navigation.app_pages:
                    if p.is_default:
                        self.pages[""] = p.page_script_hash
            elif kind == "ref_hash":
                out.refs += 1
                if fm.ref_hash in self.map_hashes:  # the map, unchanged, already on the client
                    out.map_refs += 1
                    out.first_map_seconds = time.perf_counter() - t0
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                which = el.WhichOneof("type")
                if which == "exception":
                    out.errors.append(f"exception: {el.exception.type}: {el.exception.message[:200]}")
                elif which == "alert" and el.alert.format == Alert.ERROR:
                    out.error_boxes += 1
                elif which == "component_instance" and MAP_COMPONENT in el.component_instance.component_name:
                    out.map_bytes = len(raw)
                    self.map_hashes.add(fm.hash)
                    out.first_map_seconds = time.perf_counter() - t0
            elif kind == "page_not_found":
                out.errors.append(f"page not found: {fm.page_not_found.page_name}")
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fm.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # the page asked for a rerun of itself (st.rerun): wait for that run's end
                out.status = status
                if status != "FINISHED_SUCCESSFULLY":
                    out.errors.append(f"script finished: {status}")
                return
