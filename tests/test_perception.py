"""What residents feel (issue 16, item 3): survey shares and intervals against a direct computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from geo.evaluate.perception import perceived_vs_recorded, survey_shares, wilson


def _direct_wilson(p: float, n: float, z: float = float(norm.ppf(0.975))) -> tuple[float, float]:
    # Wilson (1927), written out as textbooks give it
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


def test_wilson_equals_the_textbook_formula_and_statsmodels_values():
    low, high = wilson(np.array([0.2, 0.0, 1.0]), np.array([50, 30, 12]))
    for i, (p, n) in enumerate([(0.2, 50), (0.0, 30), (1.0, 12)]):
        assert (low[i], high[i]) == pytest.approx(_direct_wilson(p, n))
    # a published value: 81 of 263 (Newcombe 1998, Table I, method 3): 0.2553 to 0.3662
    lo, hi = wilson(np.array([81 / 263]), np.array([263]))
    assert round(lo[0], 4) == 0.2553 and round(hi[0], 4) == 0.3662


def test_weighted_shares_use_the_effective_sample_size():
    rng = np.random.default_rng(3)
    n = 120
    answers = rng.integers(1, 6, size=n)
    weights = rng.uniform(0.5, 2.0, size=n)
    frame = pd.DataFrame({"settlement": "A", "question": "worry_burglary", "answer": answers, "weight": weights})
    frame = pd.concat([frame, pd.DataFrame({"settlement": "B", "question": "worry_burglary", "answer": [5, 1, 4],
                                            "weight": 1.0})], ignore_index=True)
    out = survey_shares(frame).set_index("settlement")
    agree = answers >= 4
    share = (weights * agree).sum() / weights.sum()
    n_eff = weights.sum() ** 2 / (weights**2).sum()
    assert out.loc["A", "share"] == pytest.approx(share) and out.loc["A", "effective_n"] == pytest.approx(n_eff)
    assert (out.loc["A", "low"], out.loc["A", "high"]) == pytest.approx(_direct_wilson(share, n_eff))
    assert out.loc["A", "respondents"] == n and not out.loc["A", "too_few"]
    assert out.loc["B", "too_few"] and out.loc["B", "share"] == pytest.approx(2 / 3)
    # equal weights: the effective size is the count
    eq = survey_shares(frame.assign(weight=1.0)).set_index("settlement")
    assert eq.loc["A", "effective_n"] == pytest.approx(n)


def test_aggregated_shares_are_taken_as_given():
    out = survey_shares(pd.DataFrame({"settlement": ["A"], "question": ["safe_after_dark"], "share": [0.4],
                                      "respondents": [200]}))
    assert out.loc[0, "share"] == 0.4 and out.loc[0, "effective_n"] == 200
    assert (out.loc[0, "low"], out.loc[0, "high"]) == pytest.approx(_direct_wilson(0.4, 200))


@pytest.mark.parametrize(("frame", "why"), [
    (pd.DataFrame({"settlement": ["A"], "answer": [3]}), "no column question"),
    (pd.DataFrame({"settlement": ["A", "A"], "question": ["q", "q"], "answer": [3, "x"]}), "row 2"),
    (pd.DataFrame({"settlement": ["A"], "question": ["q"], "answer": [3], "weight": [-1]}), "row 1"),
    (pd.DataFrame({"settlement": ["A"], "question": ["q"], "share": [1.5], "respondents": [10]}), "row 1"),
])
def test_bad_surveys_say_which_row_and_why(frame, why):
    with pytest.raises(ValueError, match=why):
        survey_shares(frame)


def test_perceived_against_recorded_classes():
    shares = pd.DataFrame({"settlement": list("ABCDE"), "share": [0.8, 0.7, 0.2, 0.1, 0.9],
                           "too_few": [False, False, False, False, True]})
    rates = pd.Series({"A": 900.0, "B": 100.0, "C": 950.0, "D": 50.0, "E": 2000.0})
    out = perceived_vs_recorded(shares, rates).set_index("settlement")
    assert out["class"].to_dict() == {"A": "high_both", "B": "high_perceived", "C": "high_recorded",
                                      "D": "low_both", "E": ""}
    assert out.attrs["medians"] == {"share": pytest.approx(0.45), "rate": pytest.approx(500.0)}


def test_the_page_shows_shares_rates_and_the_map(monkeypatch, tmp_path):
    """What residents feel, on the demo's Jeti-Oguz: the question's table, too few respondents marked."""
    from conftest import DEMO_MUNICIPALITIES as demo, demo_app

    at = demo_app(monkeypatch, tmp_path, municipality="jeti-oguz")
    at.switch_page("views/perception.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="pc_question").options[:1] == ["Feel safe walking alone in their area after dark"]
    at.selectbox(key="pc_question").set_value("worry_burglary").run()
    table = at.dataframe[0].value
    assert "Agree: Worry that their home will be burgled" in table.columns
    row = table.set_index("Settlement")
    assert row.loc["Tamga", "Agree: Worry that their home will be burgled"] == "too few respondents"
    assert row.loc["Tamga", "Reading"] == "Too few respondents, or no rate"
    shares = survey_shares(demo_survey_table(demo / "jeti-oguz.gpkg"))
    barskoon = shares[(shares["settlement"] == "Barskoon") & (shares["question"] == "worry_burglary")].iloc[0]
    assert row.loc["Barskoon", "Respondents"] == barskoon["respondents"]
    assert row.loc["Barskoon", "Agree: Worry that their home will be burgled"] == f"{round(100 * barskoon['share'])}%"


def demo_survey_table(path):
    from geo.io.store import Workspace

    return Workspace(path).read_table("survey")


def test_a_survey_file_imports_with_every_row_accounted_for(tmp_path):
    """python -m geo survey import: Russian headers, a decimal comma, bad rows kept with their reason."""
    import json
    import shutil
    import subprocess
    import sys

    from conftest import ROOT
    from geo.io.store import Workspace

    demo = ROOT / "data" / "demo" / "municipalities" / "jeti-oguz.gpkg"
    if not demo.is_file():
        pytest.skip("the demo is built by `make demo`")
    ws = tmp_path / "jo.gpkg"
    shutil.copy(demo, ws)
    src = tmp_path / "опрос.csv"
    src.write_text("Населённый пункт,Вопрос,Ответ,Вес\nBarskoon,worry_burglary,5,1.2\nBarskoon,worry_burglary,2,0.8\n"
                   "Nowhere,worry_burglary,4,1\nTamga,worry_burglary,7x,1\nTamga,,3,1\nSaruu,trust_police,4,\"1,5\"\n",
                   encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "geo", "survey", "import", str(src), "--workspace", str(ws), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["rows"], out["accepted"], out["rejected"]) == (6, 3, 3)
    assert out["reasons"] == {"settlement not in the boundaries": 1, "answer not a whole number from 1 to 10": 1,
                              "no question": 1}
    w = Workspace(ws)
    survey = w.read_table("survey")
    assert survey.to_dict("records") == [
        {"settlement": "Barskoon", "question": "worry_burglary", "answer": 5, "weight": 1.2},
        {"settlement": "Barskoon", "question": "worry_burglary", "answer": 2, "weight": 0.8},
        {"settlement": "Saruu", "question": "trust_police", "answer": 4, "weight": 1.5}]
    assert sorted(w.read_table("survey_rejected")["row"].astype(int)) == [3, 4, 5]
    # a file of no usable column says which it lacks, and writes nothing
    bad = tmp_path / "bad.csv"
    bad.write_text("name,score\nBarskoon,3\n", encoding="utf-8")
    before = w.version()
    done = subprocess.run([sys.executable, "-m", "geo", "survey", "import", str(bad), "--workspace", str(ws)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and "bad.csv: the survey has no column settlement, question" in done.stderr
    assert w.version() == before


def test_the_data_page_checks_then_imports_a_survey(monkeypatch, tmp_path):
    from conftest import demo_app
    from geo.auth import open_accounts, read_audit
    from geo.io.store import Workspace

    at = demo_app(monkeypatch, tmp_path, municipality="jeti-oguz")
    at.switch_page("views/data.py").run()
    body = "settlement,question,answer\nBarskoon,trust_police,4\nBarskoon,trust_police,2\nAtlantis,trust_police,5\n"
    at.file_uploader(key="sv_file").set_value(("poll.csv", body.encode(), "text/csv")).run()
    assert not at.exception, at.exception
    counts = {m.label: m.value for m in at.metric}
    assert (counts["Read"], counts["Accepted"], counts["Rejected"]) == ("3", "2", "1")
    assert Workspace(tmp_path / "ws" / "jeti-oguz.gpkg").read_table("survey").shape[0] > 100  # not written yet
    at.button(key="sv_import").click().run()
    assert not at.exception, at.exception
    assert any("Imported 2 survey rows from poll.csv." in s.value for s in at.success)
    assert len(Workspace(tmp_path / "ws" / "jeti-oguz.gpkg").read_table("survey")) == 2  # replaced
    log = read_audit(open_accounts(tmp_path / "ws"))
    assert log["what"].str.contains("survey: poll.csv, 2 accepted, 1 rejected").any()


def test_a_viewers_rate_of_one_or_two_incidents_is_withheld():
    """With the population a rate gives its count back: a viewer's rate of fewer than min_count incidents is not
    shown (geo.privacy's rule), an analyst's is."""
    import geopandas as gpd
    import shapely

    from geo.report.perception import perception_frame

    units = gpd.GeoDataFrame({"name": ["A", "B"], "population": [5000, 5000]},
                             geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs="EPSG:4326")
    incidents = gpd.GeoDataFrame({"unit": ["A"] * 2 + ["B"] * 7, "category": "burglary"},
                                 geometry=[shapely.Point(0.5, 0.5)] * 2 + [shapely.Point(1.5, 0.5)] * 7,
                                 crs="EPSG:4326")
    shares = pd.DataFrame({"settlement": ["A", "B"], "question": "q", "respondents": [100, 100], "share": [0.5, 0.4],
                           "low": [0.4, 0.3], "high": [0.6, 0.5], "too_few": False})
    from geo.select import assign_units, with_unit_ids

    units = with_unit_ids(units)
    incidents = assign_units(incidents.drop(columns="unit"), units)
    analyst = perception_frame(shares, "q", incidents, units, days=365).set_index("name")
    viewer = perception_frame(shares, "q", incidents, units, days=365, min_count=3).set_index("name")
    assert analyst.loc["A", "rate"] == pytest.approx(40.0, rel=1e-3)  # per 100,000 a year (365.25 days)
    assert analyst.loc["B", "rate"] == pytest.approx(140.0, rel=1e-3)
    assert np.isnan(viewer.loc["A", "rate"]) and viewer.loc["B", "rate"] == pytest.approx(140.0, rel=1e-3)
    assert viewer.loc["A", "class"] == ""


def test_respondents_given_by_location_get_their_settlement_and_keep_no_point(tmp_path):
    """A survey with each respondent's longitude and latitude: the settlement comes from the boundaries (the
    platform's point-in-unit rule), the point is not kept, and a point outside every settlement or not a pair of
    numbers is rejected with its reason."""
    import geopandas as gpd
    from shapely.geometry import box

    from geo.evaluate.perception import prepare_survey

    boundaries = gpd.GeoDataFrame({"name": ["West", "East"]},
                                  geometry=[box(74.50, 42.80, 74.60, 42.90), box(74.60, 42.80, 74.70, 42.90)],
                                  crs="EPSG:4326")
    frame = pd.DataFrame({"Долгота": ["74.55", "74,65", "75.5", "abc", "74.65"],
                          "Широта": ["42.85", "42,85", "42.85", "42.85", "142.0"],
                          "Вопрос": ["trust_police"] * 5, "Ответ": ["4", "2", "5", "3", "1"]},
                         index=pd.RangeIndex(2, 7))
    accepted, rejected = prepare_survey(frame, settlements={"West", "East"}, source="опрос.csv",
                                        boundaries=boundaries)
    assert accepted[["settlement", "answer"]].to_dict("records") == [{"settlement": "West", "answer": 4},
                                                                     {"settlement": "East", "answer": 2}]
    assert not {"lon", "lat", "Долгота", "Широта"} & set(accepted.columns)
    assert dict(zip(rejected["row"], rejected["reason"], strict=True)) == {
        4: "location outside every settlement", 5: "location not a longitude and latitude in degrees",
        6: "location not a longitude and latitude in degrees"}
    # without boundaries (or with a settlement column) the location is not used: the settlement is required
    with pytest.raises(ValueError, match="опрос.csv: the survey has no column settlement"):
        prepare_survey(frame, settlements={"West", "East"}, source="опрос.csv")


def test_red_marks_worry_with_little_recorded_crime_whatever_the_question():
    from geo.evaluate.perception import class_colors
    from geo.palette import PERCEPTION_COLORS

    red, blue = PERCEPTION_COLORS["high_perceived"], PERCEPTION_COLORS["high_recorded"]
    # "worry about burglary": many agree is the worry
    assert class_colors("worry_burglary")["high_perceived"] == red
    assert class_colors("worry_burglary")["high_recorded"] == blue
    # "feel safe after dark": few agree is the worry; many feel safe with little crime is no alarm
    safe = class_colors("safe_after_dark")
    assert safe["low_both"] == red and safe["high_both"] == blue
    assert safe["high_perceived"] == PERCEPTION_COLORS["low_both"]
    assert sorted(safe.values()) == sorted(PERCEPTION_COLORS.values())  # the same four colours, turned round
    assert class_colors("a question the platform does not know") == PERCEPTION_COLORS
