"""Publishing in the app (issue 15, item 4): an analyst publishes, viewers and the public read, an analyst withdraws.

AppTest sessions signed in with real accounts (argon2, the folder's accounts store) on a copy of the demo's
Bishkek workspace marked as real data (so every session signs in).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from geo.auth import add_user, open_accounts, read_audit
from geo.i18n import markdown_escape
from geo.io.store import Workspace
from geo.publish import publications

pytestmark = pytest.mark.anonymous
DEMO_BISHKEK = ROOT / "data" / "demo" / "municipalities" / "bishkek.gpkg"
PASSWORD = "publishing is frozen 15"
HOSTILE = "Hot spots <img src=x onerror=alert(1)> for residents"
SHOWN = markdown_escape(HOSTILE)  # shown as text: Markdown and HTML escaped (Streamlit draws the characters)


@pytest.fixture
def folder(tmp_path):
    if not DEMO_BISHKEK.is_file():
        pytest.skip("the demo municipalities are built by `make demo`")
    where = tmp_path / "workspaces"
    ws = Workspace(where / "bishkek.gpkg")
    ws.copy_from(Workspace(DEMO_BISHKEK))
    ws.write({}, meta={"synthetic": "false"})
    accounts = open_accounts(where)
    add_user(accounts, "ana", name="Ana Analyst", password=PASSWORD, role="analyst")
    add_user(accounts, "vic", name="Vic Viewer", password=PASSWORD, role="viewer")
    add_user(accounts, "pub", name="Pat Public", password=PASSWORD, role="public")
    return where


def signed_in(monkeypatch, where, user: str) -> AppTest:
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(where))
    monkeypatch.delenv("KOOPSUZ_DATABASE", raising=False)
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.setenv("KOOPSUZ_LANG", "en")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.text_input(key="si_user").set_value(user)
    at.text_input(key="si_password").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.session_state["koopsuz_account"].username == user
    return at


def publish_from_export(at: AppTest, what_index: int, audience: str, title: str) -> None:
    at.switch_page("views/export.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="pb_what").set_value(at.selectbox(key="pb_what").options[what_index]).run()
    at.radio(key="pb_audience").set_value(audience).run()
    at.text_input(key="pb_title").set_value(title).run()
    at.button(key="pb_make").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    at.button(key="pb_publish").click().run()
    assert not at.exception, at.exception
    assert any("Published:" in s.value for s in at.success), [s.value for s in at.success]


def test_an_analyst_publishes_and_each_role_reads_what_it_may(monkeypatch, folder):
    analyst = signed_in(monkeypatch, folder, "ana")
    publish_from_export(analyst, 0, "viewer", "Overview for the council")
    publish_from_export(analyst, 1, "public", HOSTILE)
    ws = Workspace(folder / "bishkek.gpkg")
    shelf = publications(ws)
    assert [p.title for p in shelf] == [HOSTILE, "Overview for the council"]
    assert all(p.params["privacy"]["method"] for p in shelf) and all(p.published_by == "ana" for p in shelf)
    log = read_audit(open_accounts(folder), user="ana")
    assert (log["action"] == "publish").sum() == 2

    # a viewer: both, on the Published page among the viewer's pages
    viewer = signed_in(monkeypatch, folder, "vic")
    viewer.switch_page("views/published.py").run()
    assert not viewer.exception, viewer.exception
    assert [h.value for h in viewer.subheader] == [SHOWN, "Overview for the council"]
    assert not [b for b in viewer.button if str(b.key).startswith("pub_withdraw_")]  # readers do not withdraw
    assert not any("By ana" in c.value for c in viewer.caption)

    # the public role: the Published page only, what was published for everyone, and no incident read
    public = signed_in(monkeypatch, folder, "pub")
    assert [t.value for t in public.title] == ["Published"]
    assert [h.value for h in public.subheader] == [SHOWN]
    assert not public.metric and "filter" not in public.session_state
    for page in ("views/overview.py", "views/export.py", "views/hotspots.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            public.switch_page(page)

    # the analyst withdraws the public one: confirmed, audited, gone for the public
    analyst.switch_page("views/published.py").run()
    [public_pub] = [p for p in shelf if p.audience == "public"]
    analyst.checkbox(key=f"pub_sure_{public_pub.pub_id}").check().run()
    analyst.button(key=f"pub_withdraw_{public_pub.pub_id}").click().run()
    assert not analyst.exception, analyst.exception
    assert any("Withdrawn" in s.value for s in analyst.success)
    assert [p.title for p in publications(ws, role="public")] == []
    assert (read_audit(open_accounts(folder), user="ana")["action"] == "withdraw").sum() == 1
    public = signed_in(monkeypatch, folder, "pub")
    assert any("Nothing is published here yet" in i.value for i in public.info)
