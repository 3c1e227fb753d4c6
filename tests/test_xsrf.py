"""Streamlit's XSRF protection stays on (issue 15): a file sent to the app without the session's token is refused.

An upload is a PUT to ``/_stcore/upload_file/...``; with ``server.enableXsrfProtection`` (Streamlit's default,
which `.streamlit/config.toml` must not turn off) Tornado refuses any PUT or POST that does not carry the
``_streamlit_xsrf`` cookie's token. A page on another site that tried to push a file into the Data page through
the user's browser would be refused the same way.
"""

from __future__ import annotations

import http.client
import tomllib
from urllib.parse import urlparse

from browser_support import demo_folder, demo_folder_app, tile_server  # noqa: F401 - fixtures
from conftest import ROOT


def test_the_config_keeps_xsrf_protection_on():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config.get("server", {}).get("enableXsrfProtection", True) is True
    assert config.get("server", {}).get("enableCORS", True) is True


def test_an_upload_without_the_token_is_refused(demo_folder_app):
    url = urlparse(demo_folder_app)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n"
            b"Content-Type: text/csv\r\n\r\nlon,lat\n74.6,42.8\n\r\n--b--\r\n")
    conn.request("PUT", "/_stcore/upload_file/some-session/some-file", body=body,
                 headers={"Content-Type": "multipart/form-data; boundary=b", "Origin": "http://evil.example"})
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    assert response.status == 403, (response.status, text[:200])
    assert "xsrf" in text.lower()
