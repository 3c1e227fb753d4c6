"""Publishing (issue 15, item 4): frozen, masked maps and packs, by audience, on both stores.

The files are made from the demo's incidents masked as a viewer reads them (geo.privacy.viewer_layer) and
checked with the leak checker the browser tests use: no shown point within the masking's minimum distance
of a recorded incident, no description, no registry number. Recorded incidents are refused.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import shutil

import pytest

from conftest import ROOT
from geo.privacy import PrivacyPolicy, viewer_layer
from geo.publish import publication_file, publications, publish, withdraw
from geo.publish.make import check_masked, map_files, pack_files, publication_params
from geo.report import ReportOptions, read_layers

DEMO = ROOT / "data" / "demo" / "demo.gpkg"
POLICY = PrivacyPolicy()
PERIOD = dict(start=dt.date(2017, 1, 1), end=dt.date(2017, 12, 31))


@pytest.fixture(scope="module")
def layers() -> dict:
    if not DEMO.is_file():
        pytest.skip("the demo is built by `make demo`")
    recorded = read_layers(DEMO)
    masked = dict(recorded)
    masked["incidents"] = viewer_layer(recorded["incidents"], boundaries=recorded["boundaries"],
                                       roads=recorded["roads"], policy=POLICY, seed=7)
    return {"recorded": recorded, "masked": masked}


def test_recorded_incidents_are_never_published(layers):
    with pytest.raises(ValueError, match="only data masked for viewers"):
        map_files(layers["recorded"], kind="overview", options=ReportOptions(**PERIOD))
    with pytest.raises(ValueError, match="only data masked for viewers"):
        pack_files(layers["recorded"], options=ReportOptions(**PERIOD))
    assert check_masked(layers["masked"])["method"] == POLICY.method


def test_a_published_map_holds_no_description_or_number_and_says_how_it_was_masked(layers):
    opts = ReportOptions(**PERIOD, min_count=3, lang="ru")
    view, files = map_files(layers["masked"], kind="hotspots", options=opts)
    stem = "концентрация"  # the hot spot maps' file word in Russian, as the pack's zip names them
    assert sorted(files) == [f"{stem}.pdf", f"{stem}.png"]
    assert files[f"{stem}.png"][1][:8] == b"\x89PNG\r\n\x1a\n" and files[f"{stem}.pdf"][1][:5] == b"%PDF-"
    params = publication_params(layers["masked"], options=opts, view=view)
    assert params["privacy"]["method"] == POLICY.method and params["min_count"] == 3 and params["lang"] == "ru"
    assert params["privacy_lines"] and all(isinstance(x, str) for x in params["privacy_lines"])
    assert params["view"]["min_incidents"] >= 3
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=files[f"{stem}.pdf"][1], capture_output=True,
                              timeout=60, check=True).stdout.decode("utf-8", "replace")
        recorded = layers["recorded"]["incidents"]
        ids = [str(i) for i in recorded["id"].dropna().astype(str) if len(str(i)) >= 6][:2000]
        assert not [i for i in ids if i in text]
        descriptions = [d for d in recorded["description"].dropna().astype(str) if len(d) >= 12][:2000]
        assert not [d for d in descriptions if d in text]


def test_publications_are_kept_frozen_listed_by_audience_and_withdrawn(layers, new_store):
    ws = new_store("pub")
    ws.write({"incidents": layers["masked"]["incidents"].head(5)})
    opts = ReportOptions(**PERIOD, min_count=3)
    view, files = map_files(layers["masked"], kind="overview", options=opts)
    params = publication_params(layers["masked"], options=opts, view=view)
    for_viewers = publish(ws, kind="overview", title="Overview for the council <b>", audience="viewer", by="ana",
                          files=files, lang="en", params=params)
    for_all = publish(ws, kind="overview", title="Overview for everyone", audience="public", by="ana",
                      files=files, lang="en", params=params)
    assert [p.pub_id for p in publications(ws, role="viewer")] == [for_all.pub_id, for_viewers.pub_id]
    assert [p.pub_id for p in publications(ws, role="public")] == [for_all.pub_id]
    assert [p.pub_id for p in publications(ws, role=None)] == [for_all.pub_id]
    listed = publications(ws, role="admin")[1]
    assert listed.title == "Overview for the council <b>" and listed.params["privacy"]["method"] == POLICY.method
    png = [n for n in files if n.endswith(".png")][0]
    assert publication_file(ws, for_viewers.pub_id, png, role="viewer") == files[png][1]
    with pytest.raises(KeyError):  # the public may not read what was published for viewers
        publication_file(ws, for_viewers.pub_id, png, role="public")
    # frozen: new data in the workspace change nothing in what was published
    ws.write({"incidents": layers["masked"]["incidents"].head(50)})
    assert publication_file(ws, for_all.pub_id, png, role="public") == files[png][1]
    withdraw(ws, for_all.pub_id, by="ana")
    assert [p.pub_id for p in publications(ws, role="public")] == []
    with pytest.raises(KeyError):
        publication_file(ws, for_all.pub_id, png, role="admin")
    with pytest.raises(KeyError):
        withdraw(ws, for_all.pub_id, by="ana")
    assert ws.read_table("published_withdrawn")["withdrawn_by"].tolist() == ["ana"]


def test_bad_publications_are_refused_with_their_reason(layers, tmp_path):
    from geo.io.store import Workspace

    ws = Workspace(tmp_path / "w.gpkg")
    files = {"a.png": ("image/png", b"\x89PNG")}
    with pytest.raises(ValueError, match="not an audience"):
        publish(ws, kind="overview", title="t", audience="everyone", by="a", files=files, lang="en")
    with pytest.raises(ValueError, match="title"):
        publish(ws, kind="overview", title="   ", audience="public", by="a", files=files, lang="en")
    with pytest.raises(ValueError, match="nothing to publish"):
        publish(ws, kind="overview", title="t", audience="public", by="a", files={}, lang="en")
    with pytest.raises(ValueError, match="name"):
        publish(ws, kind="overview", title="t", audience="public", by="a", files={"../x.png": files["a.png"]},
                lang="en")
    assert publications(ws) == []


def test_a_published_pack_is_one_pdf_of_masked_data(layers):
    files = pack_files(layers["masked"], options=ReportOptions(**PERIOD, min_count=3, k=1, time_limit=20))
    (name, (media, payload)), = files.items()
    assert name == "action_plan.pdf" and media == "application/pdf" and payload[:5] == b"%PDF-"
    assert len(io.BytesIO(payload).getvalue()) > 10_000
