"""Did it work? WDD and WDQ against published worked values (issue 16, item 4)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from conftest import ROOT
from geo.evaluate import Counts, effects

# Wheeler & Ratcliffe (2018), Crime Science 7:17, the worked example (also ptools' test "Est & Variance Paper"):
# control 308 -> 318, treated 207 -> 110, displacement control 150 -> 140, displacement 178 -> 157.
PAPER = dict(treated=(207, 110), control=(308, 318), displacement=(178, 157), displacement_control=(150, 140))


def test_wdd_equals_wheeler_and_ratcliffes_worked_example():
    r = effects(**PAPER, alpha=0.05)
    assert r.wdd == -118
    assert r.se == pytest.approx(math.sqrt(1568))
    assert round(r.z, 2) == -2.98
    assert [round(x) for x in r.ci] == [-196, -40]
    assert r.p == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(abs(r.z) / math.sqrt(2)))))
    assert r.wdd_local == -107 and r.wdd_displacement == -11


def test_wdd_parts_and_weights_as_ptools():
    assert effects((20, 10), (20, 20)).wdd_local == -10  # ptools "Local -10"
    assert effects((20, 20), (20, 20), displacement=(20, 10), displacement_control=(20, 20)).wdd_displacement == -10
    assert effects((20, 10), (20, 20), displacement=(20, 10), displacement_control=(20, 20)).wdd == -20
    # two years before, one after (Wheeler 2021): -20 incidents a year, SE sqrt(115)
    r = effects((80, 20), (100, 50), time_weights=(2, 1))
    assert r.wdd == pytest.approx(-20) and r.se == pytest.approx(math.sqrt(115))
    # areas of different sizes (Wheeler 2021, ptools "Area Weights")
    r = effects(**PAPER, area_weights=(0.9, 1.2, 1.6, 1.5))
    assert r.wdd == pytest.approx(-99.69444444) and r.se == pytest.approx(35.4280755, abs=1e-6)
    assert r.z == pytest.approx(-2.813995483) and r.ci[0] == pytest.approx(-169.1321965)


def test_wdq_and_total_net_effect_by_hand():
    r = effects(**PAPER)
    success = 110 / 318 - 207 / 308
    buffer = 157 / 318 - 178 / 308  # the WDQ takes one control: the treated area's
    assert r.success == pytest.approx(success) and r.success < 0  # the treated area fell against the control
    assert r.displacement_measure == pytest.approx(buffer)
    assert r.wdq == pytest.approx(buffer / success) and r.wdq > 0  # the ring fell too: diffusion of benefits
    assert r.tne == pytest.approx(207 * 318 / 308 - 110 + 178 * 318 / 308 - 157)


def test_zeros_give_reasons_never_a_division_by_zero():
    r = effects((0, 0), (0, 0))
    assert r.wdd == 0 and r.se == 0 and r.z is None and r.p is None and r.wdq is None
    assert any("nothing to compare" in n for n in r.notes)
    r = effects((5, 0), (0, 4), displacement=(1, 1))
    assert r.wdq is None and r.tne is None and r.z is not None
    assert any("control area has no incidents" in n for n in r.notes)
    assert any("fewer than 20" in n for n in r.notes)
    r = effects((10, 20), (10, 20), displacement=(3, 5))
    assert r.success == 0 and r.wdq is None and any("changed exactly as the control" in n for n in r.notes)


@pytest.mark.parametrize("bad", ["12", "a,b", "-1,3", "1,2,3", (1, float("nan"))])
def test_bad_counts_are_refused_with_their_name(bad):
    with pytest.raises(ValueError, match="treated"):
        Counts.of(bad, name="treated")


def test_the_command_line_answers_from_counts_alone():
    argv = [sys.executable, "-m", "geo", "evaluate", "--treated", "207,110", "--control", "308,318",
            "--displacement", "178,157", "--displacement-control", "150,140", "--json"]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["wdd"] == -118 and out["se"] == pytest.approx(math.sqrt(1568)) and round(out["z"], 2) == -2.98
    assert [round(x) for x in out["ci"]] == [-196, -40] and 0 < out["p"] < 0.01
    assert out["wdq"] == pytest.approx(effects(**PAPER).wdq) and out["tne"] == pytest.approx(effects(**PAPER).tne)
    assert out["counts"]["treated"] == [207, 110]
    bad = subprocess.run([sys.executable, "-m", "geo", "evaluate", "--treated", "x", "--control", "1,2"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "treated" in bad.stderr and "Traceback" not in bad.stderr
    text = subprocess.run(argv[:-1], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert text.returncode == 0 and "-118" in text.stdout


# ---------------------------------------------------------------- from incidents: areas, periods, counts

def _place(n: int, x: float, y: float, day: str, spread: float = 50.0, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return [(x + dx, y + dy, day) for dx, dy in rng.uniform(-spread, spread, size=(n, 2))]


@pytest.fixture
def town():
    """Three square settlements 2 km wide (UTM 43N); a station at the centre of "Centre" opening 2017-07-01."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    x0, y0 = 500_000.0, 4_750_000.0
    squares = {"Centre": (0, 0), "East": (2000, 0), "North": (0, 2000)}
    boundaries = gpd.GeoDataFrame({"name": list(squares)}, geometry=[
        shapely.box(x0 + dx - 1000, y0 + dy - 1000, x0 + dx + 1000, y0 + dy + 1000) for dx, dy in squares.values()],
        crs="EPSG:32643")
    rows = []
    rows += _place(20, x0, y0, "2016-08-15", seed=1) + _place(10, x0, y0, "2017-08-15", seed=2)  # treated
    rows += _place(8, x0 + 600, y0, "2016-09-10", seed=3) + _place(8, x0 + 600, y0, "2017-09-10", seed=4)  # ring
    rows += _place(30, x0 + 2000, y0, "2016-10-01", seed=5) + _place(33, x0 + 2000, y0, "2017-10-01", seed=6)
    rows += _place(5, x0, y0 + 2000, "2016-01-05", seed=7) + _place(4, x0, y0 + 2000, "2017-12-31", seed=8)
    incidents = gpd.GeoDataFrame({"occurred_at": pd.to_datetime([r[2] for r in rows]), "category": "burglary"},
                                 geometry=gpd.points_from_xy([r[0] for r in rows], [r[1] for r in rows]),
                                 crs="EPSG:32643")
    station = shapely.Point(x0, y0)
    return incidents.to_crs("EPSG:4326"), boundaries.to_crs("EPSG:4326"), \
        gpd.GeoSeries([station], crs="EPSG:32643").to_crs("EPSG:4326").iloc[0]


def test_counts_in_the_treated_area_ring_and_a_named_control(town):
    import datetime as dt

    from geo.evaluate import evaluate

    incidents, boundaries, station = town
    ev = evaluate(incidents, station, dt.date(2017, 7, 1), boundaries=boundaries, radius=300, ring=500,
                  control=["East"], months=6)
    e = ev.effects
    assert (e.treated.before, e.treated.after) == (20, 10)
    assert (e.displacement.before, e.displacement.after) == (8, 8)
    assert (e.control.before, e.control.after) == (30, 33)
    p = ev.periods
    assert (p.before_start, p.before_end, p.after_start, p.after_end) == (
        dt.date(2016, 7, 1), dt.date(2017, 1, 1), dt.date(2017, 7, 1), dt.date(2018, 1, 1))
    assert p.seasonal and ev.control == ("East",) and not ev.proposed
    km2 = dict(zip(ev.areas["role"], ev.areas["area_km2"], strict=True))
    assert km2["treated"] == pytest.approx(math.pi * 0.3**2, rel=0.01)
    assert km2["ring"] == pytest.approx(math.pi * (0.8**2 - 0.3**2), rel=0.01)
    # the library's WDD with the area weights the evaluation chose
    assert e.wdd == pytest.approx(effects((20, 10), (30, 33), displacement=(8, 8),
                                          area_weights=e.area_weights).wdd)
    assert ev.series.set_index("month").loc["2016-08-01", "treated"] == 20
    assert ev.series["treated"].sum() == 30 and len(ev.series) == 18  # July 2016 .. December 2017
    assert ev.by_category.to_dict("records") == [{"category": "burglary", "treated_before": 20, "treated_after": 10,
                                                  "ring_before": 8, "ring_after": 8, "control_before": 30,
                                                  "control_after": 33}]


def test_the_control_is_proposed_away_from_the_treated_area(town):
    import datetime as dt

    from geo.evaluate import evaluate

    incidents, boundaries, station = town
    ev = evaluate(incidents, station, dt.date(2017, 7, 1), boundaries=boundaries, radius=300, ring=500, months=6)
    assert ev.proposed and "Centre" not in ev.control and ev.control[0] == "East"  # "North" had none before


def test_periods_past_the_data_or_unknown_controls_say_why(town):
    import datetime as dt

    from geo.evaluate import aligned_periods, evaluate

    incidents, boundaries, station = town
    with pytest.raises(ValueError, match="past the last incident on 2017-12-31: choose at most 6 months"):
        evaluate(incidents, station, dt.date(2017, 7, 1), boundaries=boundaries, months=12, control=["East"])
    with pytest.raises(ValueError, match="no settlement is called Nowhere"):
        evaluate(incidents, station, dt.date(2017, 7, 1), boundaries=boundaries, months=3, control=["Nowhere"])
    with pytest.raises(ValueError, match="1 to 60"):
        aligned_periods(dt.date(2017, 7, 1), months=0)
    # the data begin in January 2016: a year before April 2016 is not there, the months just before are
    p = aligned_periods(dt.date(2016, 4, 15), months=3, first=dt.date(2016, 1, 1))
    assert not p.seasonal and p.before_start == dt.date(2016, 1, 1) and p.after_end == dt.date(2016, 7, 1)
    # by default the longest period up to a year the data hold
    assert aligned_periods(dt.date(2017, 9, 1), months=None, first=dt.date(2016, 1, 1),
                           last=dt.date(2017, 12, 31)).months == 4


def test_the_command_line_evaluates_the_demos_kelechek_station():
    demo = ROOT / "data" / "demo" / "municipalities" / "bishkek.gpkg"
    if not demo.is_file():
        pytest.skip("the demo is built by `make demo`")
    done = subprocess.run([sys.executable, "-m", "geo", "evaluate", "--workspace", str(demo), "--intervention",
                           "Kelechek police station", "--json"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"wdd", "se", "z", "p", "ci", "wdq", "tne", "counts", "periods", "control", "series", "verdict"} <= set(out)
    assert out["periods"]["after"][0] == "2017-12-01" and out["categories"] == ["public_order", "burglary", "juvenile"]
    assert out["control_proposed"] and out["counts"]["treated"][0] > 0
    assert sum(r["treated"] for r in out["series"]) >= sum(out["counts"]["treated"])


def test_the_page_answers_did_the_kelechek_station_help(monkeypatch, tmp_path):
    """The Did it work? page on the demo's Bishkek: the verdict, the numbers, the map and the chart."""
    from conftest import DEMO_MUNICIPALITIES as demo, demo_app

    at = demo_app(monkeypatch, tmp_path)
    at.switch_page("views/evaluation.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="ev_act").value == "Kelechek police station"
    assert [s.value for s in at.subheader] == ["Did “Kelechek police station” help?"]
    texts = " ".join(m.value for m in at.markdown)
    assert "in the treated area" in texts and "weighted displacement difference, WDD" in texts
    assert [m.label for m in at.metric] == ["Difference (WDD)", "Chance (p)", "Displacement quotient (WDQ)",
                                            "Total net effect"]
    ev = evaluate_demo_kelechek(demo / "bishkek.gpkg")
    from geo.i18n import Tr

    assert at.metric[0].value == Tr("en").num(ev.effects.wdd, 1)  # the page shows the library's number
    # a control chosen by hand replaces the proposed one, and the numbers follow it
    at.multiselect(key="ev_control_Kelechek police station").set_value(["Leninsky"]).run()
    assert not at.exception, at.exception
    assert any("Control: Leninsky." in c.value for c in at.caption)


def evaluate_demo_kelechek(path):
    from geo.evaluate import evaluate
    from geo.io.store import Workspace
    from geo.schema import validate

    ws = Workspace(path)
    acts = ws.read("interventions")
    act = acts[acts["name"] == "Kelechek police station"].iloc[0]
    return evaluate(validate(ws.read("incidents"), "incidents").accepted, act.geometry, act["started"],
                    boundaries=validate(ws.read("boundaries"), "boundaries").accepted,
                    categories=act["categories"].split(","))


def test_the_proposed_control_is_untreated_and_of_the_same_area(town):
    """A settlement another intervention touched during the periods is no control; one of the treated area's own
    area (city, rayon) comes before another area's, however alike."""
    import datetime as dt

    import geopandas as gpd
    import pandas as pd

    from geo.evaluate import evaluate

    incidents, boundaries, station = town
    east = boundaries.loc[boundaries["name"] == "East"].geometry.iloc[0].centroid
    camera = gpd.GeoDataFrame({"name": ["East camera"], "started": pd.to_datetime(["2017-02-01"])},
                              geometry=[east], crs="EPSG:4326")
    with pytest.raises(ValueError, match="control"):
        evaluate(incidents, station, dt.date(2017, 7, 1), boundaries=boundaries, months=6, others=camera)
    later = camera.assign(started=pd.to_datetime(["2018-03-01"]))  # after the periods: East is untouched in them
    assert evaluate(incidents, station, dt.date(2017, 7, 1), boundaries=boundaries, months=6,
                    others=later).control == ("East",)
    # North is the station's own area: with incidents before, it comes before East of another area
    north = boundaries.loc[boundaries["name"] == "North"].geometry.iloc[0].centroid
    more = gpd.GeoDataFrame({"occurred_at": pd.to_datetime(["2016-09-01"] * 3), "category": "burglary"},
                            geometry=[north] * 3, crs="EPSG:4326")
    both = pd.concat([incidents, more], ignore_index=True)
    areas = boundaries.assign(area=boundaries["name"].map({"Centre": "Town", "North": "Town", "East": "Other"}))
    assert evaluate(both, station, dt.date(2017, 7, 1), boundaries=areas, months=6).control == ("North",)
    assert evaluate(both, station, dt.date(2017, 7, 1), boundaries=boundaries, months=6).control[0] == "East"
