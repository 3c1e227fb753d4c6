"""Gi* hot spots: the same z-scores as esda, on lattices, hexagons and Chicago's incidents; FDR bins; permutations."""

from __future__ import annotations

import json
import math
import warnings

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from conftest import realdata
from geo.crs import to_display
from geo.report.tables import nearest_road_text, top_hot_spots
from geo.stats.hotspots import (
    CELL_CEILING,
    CELL_FLOOR,
    CELL_TARGET,
    MIN_TOP_INCIDENTS,
    HotspotResult,
    default_band,
    fdr_bins,
    gi_star_grid,
    gi_star_permutation,
    hot_clusters,
    hotspots,
    incident_cells,
    optimized_cell_size,
)
from geo.stats.lattice import label_cells

UTM43 = 32643  # Bishkek
X0, Y0 = 460_000.0, 4_740_000.0  # south-west corner of the synthetic city, inside UTM zone 43


def esda_gi(values: np.ndarray, centres: np.ndarray, band: float, *, permutations: int = 0,
            seed: int = 0) -> esda.G_Local:
    """esda's Gi* with a binary distance band; lattice distances equal to the band count, as in geo.stats.hotspots."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.DistanceBand(centres, threshold=band * (1 + 1e-9), binary=True, silence_warnings=True)
        return esda.G_Local(np.asarray(values, dtype=float), w, star=True, transform="B",
                            permutations=permutations, seed=seed)


def lattice_centres(mask: np.ndarray) -> np.ndarray:
    ii, jj = np.nonzero(mask)
    return np.column_stack([jj, ii]).astype(float)


def clustered_points(n: int = 30_000, *, seed: int = 5, extent: float = 20_000.0) -> gpd.GeoDataFrame:
    """Bishkek-like incidents in UTM 43N: a few dense blobs over a thin uniform background."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.1 * extent, 0.9 * extent, (8, 2))
    k = rng.integers(0, 8, int(n * 0.7))
    blob = centres[k] + rng.normal(0, 0.03 * extent, (len(k), 2))
    background = rng.uniform(0, extent, (n - len(k), 2))
    xy = np.clip(np.vstack([blob, background]), 0, extent)
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(X0 + xy[:, 0], Y0 + xy[:, 1]), crs=UTM43)


# --- Gi* against esda ---------------------------------------------------------

@pytest.mark.parametrize("band", [1.0, 1.5, 2.0, 2.9])
def test_lattice_z_equals_esda(band):
    rng = np.random.default_rng(11)
    counts = rng.poisson(3, (20, 25)).astype(float)
    counts[4:8, 10:14] += 5  # a hot blob
    z, p = gi_star_grid(counts, band_cells=band)
    g = esda_gi(counts.ravel(), lattice_centres(np.ones(counts.shape, bool)), band)
    np.testing.assert_allclose(z.ravel(), g.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(p.ravel(), 2 * g.p_norm, rtol=0, atol=1e-12)  # two-sided


def test_masked_lattice_z_equals_esda():
    rng = np.random.default_rng(12)
    counts = rng.poisson(2, (20, 25)).astype(float)
    counts[12:15, 3:7] += 6
    mask = np.ones(counts.shape, bool)
    mask[:5, :7] = False  # a corner outside the study area
    mask[rng.random(counts.shape) < 0.15] = False  # and holes
    counts[~mask] = 99  # values outside the mask must not count
    z, p = gi_star_grid(counts, band_cells=2.2, mask=mask)
    assert np.isnan(z[~mask]).all() and np.isnan(p[~mask]).all()
    g = esda_gi(counts[mask], lattice_centres(mask), 2.2)
    np.testing.assert_allclose(z[mask], g.Zs, rtol=0, atol=1e-9)


def test_large_band_uses_fft_and_stays_exact():
    rng = np.random.default_rng(13)
    counts = rng.poisson(1, (30, 30)).astype(float)
    z, _ = gi_star_grid(counts, band_cells=4.5)  # a 9x9 stencil: FFT path
    g = esda_gi(counts.ravel(), lattice_centres(np.ones(counts.shape, bool)), 4.5)
    np.testing.assert_allclose(z.ravel(), g.Zs, rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def chicago() -> gpd.GeoDataFrame:
    path = realdata("chicago", "crimes_2014_09.csv")
    df = pd.read_csv(path, usecols=["Latitude", "Longitude"]).dropna()
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(df["Longitude"], df["Latitude"]), crs=4326)


def test_chicago_grid_equals_esda(chicago):
    res = hotspots(chicago, cell=500.0, band=1000.0, crs=32616)
    cells = res.cells
    assert 1_000 < len(cells) < 10_000
    assert res.n_incidents == len(chicago) == cells["count"].sum()
    centres = np.column_stack([cells.geometry.centroid.x, cells.geometry.centroid.y])
    g = esda_gi(cells["count"].to_numpy(), centres, res.band)
    np.testing.assert_allclose(cells["gi_z"].to_numpy(), g.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(cells["gi_p"].to_numpy(), 2 * g.p_norm, rtol=0, atol=1e-12)
    # NNeighbors is the band's cardinality with the cell itself
    assert (cells["n_neighbors"].to_numpy() == np.asarray(g.w.sparse.sum(axis=1)).ravel()).all()
    hot = cells["gi_bin"] == 3  # Gi* judges the neighbourhood: a hot cell is crowded around, not always in itself
    assert hot.sum() > 50 and cells.loc[hot, "count"].mean() > 2 * cells["count"].mean()


def test_chicago_defaults_are_sane(chicago):
    res = hotspots(chicago, crs=32616)
    assert 150 < res.cell < 500
    assert math.sqrt(2) * res.cell <= res.band < 5_000
    assert "nearest" in res.params["band_rule"] and "nearest-neighbour" in res.params["cell_rule"]


def test_hex_z_equals_esda():
    pts = clustered_points(4_000, extent=8_000)
    res = hotspots(pts, cell=400.0, band=1_100.0, shape="hex")
    cells = res.cells
    assert set(cells.columns) >= {"q", "r", "count", "n_neighbors", "gi_z", "gi_p", "gi_bin"}
    # hexagons of a cell-square's area, pointy top, one per axial coordinate
    np.testing.assert_allclose(cells.geometry.area, 400.0**2, rtol=1e-9)
    assert not cells[["q", "r"]].duplicated().any()
    b = cells.geometry.iloc[0].bounds
    assert (b[3] - b[1]) > (b[2] - b[0])  # taller than wide: pointy top
    assert res.n_incidents == len(pts) == cells["count"].sum()
    centres = np.column_stack([cells.geometry.centroid.x, cells.geometry.centroid.y])
    g = esda_gi(cells["count"].to_numpy(), centres, res.band)
    np.testing.assert_allclose(cells["gi_z"].to_numpy(), g.Zs, rtol=0, atol=1e-9)


@pytest.mark.parametrize("shape", ["square", "hex"])
def test_each_incident_is_counted_in_the_cell_that_holds_it(shape):
    pts = clustered_points(2_000, seed=8, extent=5_000)
    res = hotspots(pts, cell=300.0, band=700.0, shape=shape)
    joined = gpd.sjoin(pts, res.cells[["geometry"]], predicate="within")
    counted = joined.groupby("index_right").size().reindex(res.cells.index, fill_value=0)
    assert (counted.to_numpy() == res.cells["count"].to_numpy()).all()


# --- bins -------------------------------------------------------------------

P10 = np.array([0.001, 0.004, 0.006, 0.02, 0.03, 0.04, 0.05, 0.2, 0.5, 0.9])
Z10 = np.array([3.3, -2.9, 2.7, 2.3, -2.2, 2.0, 1.96, 1.3, -0.7, 0.1])


def test_fdr_bins_hand_checked():
    # m = 10. alpha 0.10: p_(k) <= k/100 holds up to k = 7 (0.05 <= 0.07) -> 7 cells at 90 %;
    # alpha 0.05: p_(k) <= k/200 up to k = 4 (0.02 <= 0.02) -> 4 at 95 %;
    # alpha 0.01: p_(k) <= k/1000 only for k = 1 (0.001 <= 0.001) -> 1 at 99 %.
    assert fdr_bins(Z10, P10).tolist() == [3, -2, 2, 2, -1, 1, 1, 0, 0, 0]
    # Order does not matter, and NaN cells are neither binned nor counted in m.
    order = np.random.default_rng(0).permutation(10)
    assert fdr_bins(Z10[order], P10[order]).tolist() == [[3, -2, 2, 2, -1, 1, 1, 0, 0, 0][i] for i in order]
    z = np.append(Z10, [np.nan, 5.0])
    p = np.append(P10, [0.5, np.nan])
    assert fdr_bins(z, p).tolist() == [3, -2, 2, 2, -1, 1, 1, 0, 0, 0, 0, 0]


def test_plain_bins_without_fdr():
    assert fdr_bins(Z10, P10, fdr=False).tolist() == [3, -3, 3, 2, -2, 2, 1, 0, 0, 0]


def test_fdr_with_nothing_significant_and_2d_input():
    p = np.full((3, 4), 0.5)
    p[0, 0] = 0.02  # 0.02 > 1/12 * 0.10: not significant once 12 tests are counted
    bins = fdr_bins(np.ones((3, 4)), p)
    assert bins.shape == (3, 4) and not bins.any()
    assert fdr_bins(np.ones((3, 4)), p, fdr=False)[0, 0] == 2


# --- permutations ---------------------------------------------------------------

def test_permutations_are_deterministic_with_a_seed():
    rng = np.random.default_rng(21)
    counts = rng.poisson(2, (40, 40)).astype(float)
    a = gi_star_permutation(counts, band_cells=1.5, permutations=199, seed=4)
    b = gi_star_permutation(counts, band_cells=1.5, permutations=199, seed=4)
    c = gi_star_permutation(counts, band_cells=1.5, permutations=199, seed=5)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 1 / 200 and a.max() <= 1


def test_strong_clusters_get_the_smallest_pseudo_p():
    rng = np.random.default_rng(22)
    counts = rng.poisson(2, (60, 60)).astype(float)
    counts[20:26, 30:36] += 8
    counts[45:50, 5:10] = 0
    z, _ = gi_star_grid(counts, band_cells=1.5)
    p = gi_star_permutation(counts, band_cells=1.5, permutations=999, seed=1)
    strong = np.abs(z) > 4
    assert strong.sum() > 20
    assert (p[strong] <= 0.002).all()


def test_pseudo_p_under_the_null_is_uniform_on_half():
    # Constant plus noise: no pattern. The folded one-tailed p_sim is about uniform on (0, 0.5].
    rng = np.random.default_rng(23)
    values = 10 + rng.normal(0, 1, (80, 80))
    p = gi_star_permutation(values, band_cells=2.0, permutations=999, seed=2)
    assert abs(p.mean() - 0.25) < 0.03
    assert 0.06 < (p < 0.05).mean() < 0.14  # both tails at 0.05


def test_pseudo_p_equals_esda_without_ties():
    rng = np.random.default_rng(24)
    values = rng.poisson(2, (15, 15)) + rng.random((15, 15))  # no ties among neighbour sums
    values[5:8, 5:9] += 4
    mask = np.ones(values.shape, bool)
    mask[:3, :4] = False
    ours = gi_star_permutation(values, band_cells=1.5, permutations=9999, seed=3, mask=mask)[mask]
    g = esda_gi(values[mask], lattice_centres(mask), 1.5, permutations=9999, seed=3)
    # Independent draws: the two estimates differ by sampling noise only (sd < 0.007 with 9999 draws).
    assert np.abs(ours - g.p_sim).max() < 0.03


def test_pseudo_p_with_esda_ties_equals_esda_on_counts():
    rng = np.random.default_rng(26)
    counts = rng.poisson(1, (15, 15)).astype(float)  # many ties among neighbour sums
    counts[9:12, 2:5] += 3
    ours = gi_star_permutation(counts, band_cells=1.5, permutations=9999, seed=3, ties="upper").ravel()
    g = esda_gi(counts.ravel(), lattice_centres(np.ones(counts.shape, bool)), 1.5, permutations=9999, seed=3)
    assert np.abs(ours - g.p_sim).max() < 0.03
    both = gi_star_permutation(counts, band_cells=1.5, permutations=9999, seed=3).ravel()
    assert (both >= ours - 1e-12).all() and (both > ours + 0.05).any()  # ties only ever raise p


def test_ties_count_in_both_tails():
    # Sparse counts: most cells empty. An empty cell among empty neighbours is not a cold spot.
    rng = np.random.default_rng(25)
    counts = (rng.random((40, 40)) < 0.08).astype(float)
    counts[0, :] = counts[:, 0] = 0
    counts[:5, :5] = 0
    p = gi_star_permutation(counts, band_cells=1.5, permutations=999, seed=0)
    assert p[2, 2] > 0.3  # about P(8 random cells all empty) = 0.92^8
    # a lone cell (no neighbour within the band) carries no evidence
    mask = np.ones(counts.shape, bool)
    mask[10:13, 10:13] = False
    mask[11, 11] = True
    assert gi_star_permutation(counts, band_cells=1.0, permutations=99, mask=mask)[11, 11] == 1.0


@pytest.mark.parametrize("shape", ["square", "hex"])
def test_hotspots_with_permutations_bins_on_pseudo_p(shape):
    pts = clustered_points(3_000, seed=9, extent=6_000)
    res = hotspots(pts, cell=300.0, band=700.0, permutations=199, seed=1, shape=shape)
    assert res.permutations == 199 and "gi_p_sim" in res.cells
    expected = fdr_bins(res.cells["gi_z"].to_numpy(), res.cells["gi_p_sim"].to_numpy())
    assert (res.cells["gi_bin"].to_numpy() == expected).all()
    again = hotspots(pts, cell=300.0, band=700.0, permutations=199, seed=1, shape=shape)
    assert res.cells["gi_p_sim"].equals(again.cells["gi_p_sim"])


# --- defaults, boundary, result -----------------------------------------------------------

def test_default_cell_and_band_on_clustered_data():
    pts = clustered_points()
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    cell = optimized_cell_size(x, y)
    assert cell == optimized_cell_size(x, y)
    assert 100 <= cell <= 500
    for shape in ("square", "hex"):
        band = default_band(x, y, cell, shape=shape)
        assert band == default_band(x, y, cell, shape=shape)
        assert math.sqrt(2) * cell <= band <= 5_000
    res = hotspots(pts)
    assert res.cell == cell
    assert res.params["cell_rule"] != "given" and res.params["band_rule"] != "given"
    assert (res.cells["gi_bin"] == 3).sum() > 0


def test_default_cell_formula():
    # A 20 x 20 lattice 300 m apart: twice the nearest-neighbour spacing (the extent / 100 is 57 m).
    x = np.repeat(np.arange(20) * 300.0, 20)
    y = np.tile(np.arange(20) * 300.0, 20)
    assert optimized_cell_size(x, y) == pytest.approx(600.0)
    # Coincident incidents are one location; uneven spacing scales by mean / median.
    x2 = np.r_[x, x[:50]]
    assert optimized_cell_size(x2, np.r_[y, y[:50]]) == pytest.approx(600.0)
    # 400 points 100 m apart on a line: the floor, the longer side / 100 (the shorter is 0), beats 2 x 100 m.
    assert optimized_cell_size(np.arange(400) * 100.0, np.zeros(400)) == pytest.approx(399.0)


def test_boundary_limits_the_analysed_cells():
    pts = clustered_points(3_000, seed=10, extent=6_000)
    x0, y0 = X0, Y0
    west = gpd.GeoDataFrame({"name": ["west"]}, geometry=[box(x0 - 1_000, y0 - 1_000, x0 + 3_000, y0 + 7_000)],
                            crs=UTM43)
    res = hotspots(pts, cell=250.0, band=600.0, boundary=west.to_crs(4326))
    centres = res.cells.geometry.centroid
    assert (centres.x < x0 + 3_000).all()
    assert len(res.cells) == 16 * 32  # every cell with its centre inside, empty or not
    assert (res.cells["count"] == 0).sum() > 100
    inside = (pts.geometry.x < x0 + 3_000).sum()
    assert res.n_incidents == inside == res.cells["count"].sum()
    assert res.params["incidents_outside"] == len(pts) - inside


def test_result_is_ready_for_the_page_and_cli():
    pts = clustered_points(2_000, seed=12, extent=5_000)
    res = hotspots(pts.to_crs(4326), cell=250.0, band=500.0)
    assert isinstance(res, HotspotResult)
    assert res.crs.to_epsg() == UTM43 and res.cells.crs == res.crs
    assert list(res.cells.columns) == ["row", "col", "count", "n_neighbors", "gi_z", "gi_p", "gi_bin", "geometry"]
    assert res.cells["gi_bin"].between(-3, 3).all() and res.cells["count"].dtype.kind == "i"
    json.dumps(res.params)  # for --json
    assert res.params["cell"] == 250.0 and res.params["band"] == 500.0 and res.params["crs"] == "EPSG:32643"
    shown = to_display(res.cells)
    assert shown.crs.to_epsg() == 4326 and shown.geometry.is_valid.all()


def test_weights_are_summed():
    pts = clustered_points(1_000, seed=13, extent=4_000)
    pts["w"] = 2.5
    res = hotspots(pts, cell=250.0, band=600.0, weight="w")
    plain = hotspots(pts, cell=250.0, band=600.0)
    assert res.cells["count"].sum() == pytest.approx(2.5 * 1_000)
    np.testing.assert_allclose(res.cells["gi_z"], plain.cells["gi_z"], atol=1e-9)  # Gi* is scale-free


def test_no_variation_gives_no_hot_spots():
    z, p = gi_star_grid(np.full((10, 10), 3.0), band_cells=1.5)
    assert (z == 0).all() and (p == 1).all()
    assert not fdr_bins(z, p).any()


# --- errors -----------------------------------------------------------------------

def test_errors():
    pts = clustered_points(500, seed=14, extent=3_000)
    with pytest.raises(ValueError, match="at least 3 incidents"):
        hotspots(pts.iloc[:2])
    for bad in (0, -100.0, float("nan")):
        with pytest.raises(ValueError, match="cell must be a positive"):
            hotspots(pts, cell=bad)
    with pytest.raises(ValueError, match="at least the cell size"):
        hotspots(pts, cell=200.0, band=150.0)
    with pytest.raises(ValueError, match="adjacent hexagons"):
        hotspots(pts, cell=200.0, band=210.0, shape="hex")  # hexagon centres are 215 m apart
    with pytest.raises(ValueError, match="unknown cell shape"):
        hotspots(pts, shape="triangle")
    with pytest.raises(ValueError, match="without a CRS"):
        hotspots(gpd.GeoDataFrame(geometry=pts.geometry.to_numpy()))
    with pytest.raises(ValueError, match="one location"):
        optimized_cell_size(np.zeros(5), np.zeros(5))
    with pytest.raises(ValueError, match="weight column"):
        hotspots(pts, weight="nope")
    with pytest.raises(ValueError, match="too large"):
        hotspots(pts, cell=0.1)
    with pytest.raises(ValueError, match="mask shape"):
        gi_star_grid(np.zeros((3, 3)), band_cells=1.0, mask=np.ones((2, 2), bool))


def test_cli_density_and_hotspots(tmp_path):
    """`python -m geo density|hotspots` on the demo workspace write real files and say what they used."""
    import json
    import subprocess
    import sys

    import rasterio

    from conftest import ROOT
    from geo.demo import write_demo

    ws = write_demo(tmp_path, scale=0.2)
    common = [f"workspace:{ws}", "--area", "Bishkek", "--start", "2017-01-01", "--end", "2017-12-31", "--json"]
    p = subprocess.run([sys.executable, "-m", "geo", "density", *common, "--out", str(tmp_path / "d.tif"),
                        "--category", "burglary", "public_order"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["kernel"] == "quartic" and out["crs"] == "EPSG:32643" and out["bandwidth"] > 0
    with rasterio.open(tmp_path / "d.tif") as src:
        assert src.crs.to_epsg() == 32643 and src.read(1).max() > 0
    p = subprocess.run([sys.executable, "-m", "geo", "hotspots", *common, "--out", str(tmp_path / "h.gpkg")],
                       cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {"cell", "band", "crs", "cells", "bins"} <= set(out)
    cells = gpd.read_file(tmp_path / "h.gpkg")
    assert {"count", "gi_z", "gi_p", "gi_bin"} <= set(cells.columns) and len(cells) == out["cells"]
    bad = subprocess.run([sys.executable, "-m", "geo", "hotspots", f"workspace:{ws}", "--category", "arson",
                          "--out", str(tmp_path / "x.gpkg")], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown category arson")


# --- hot spots a person can act on: clusters, minimum incidents, cell size ------------------------------------

def lattice_result(hot: list[tuple[int, int]], counts: dict[tuple[int, int], int], *, shape: str = "square",
                   size: int = 8) -> HotspotResult:
    """A hand-made result: a size x size lattice, the given cells hot (bin 3), the given incidents per cell."""
    ii, jj = np.divmod(np.arange(size * size), size)
    hot_set = set(hot)
    ids = {"row": ii, "col": jj} if shape == "square" else {"r": ii, "q": jj}
    cells = gpd.GeoDataFrame({
        **ids, "count": [counts.get((a, b), 0) for a, b in zip(ii, jj)],
        "gi_z": [3.0 if (a, b) in hot_set else 0.0 for a, b in zip(ii, jj)],
        "gi_bin": [3 if (a, b) in hot_set else 0 for a, b in zip(ii, jj)]},
        geometry=[box(X0 + b * 100, Y0 + a * 100, X0 + (b + 1) * 100, Y0 + (a + 1) * 100) for a, b in zip(ii, jj)],
        crs=UTM43)
    return HotspotResult(cells=cells, cell=100.0, band=150.0, shape=shape, crs=cells.crs,
                         n_incidents=int(cells["count"].sum()), fdr=True, permutations=0,
                         params={"origin": [X0, Y0], "grid": [size, size]})


def test_adjacent_hot_cells_merge_into_one_hot_spot_and_separate_ones_do_not():
    # Two clusters: an L of three cells at the south-west, and two cells at the north-east; (3, 3) touches the L's
    # (2, 2) at a corner only.
    res = lattice_result([(0, 0), (0, 1), (1, 1), (2, 2), (6, 6), (6, 7)], {})
    queen = hot_clusters(res)
    rook = hot_clusters(res, adjacency="rook")
    cells = res.cells.set_index(["row", "col"])
    q = pd.Series(queen, index=cells.index)
    r = pd.Series(rook, index=cells.index)
    # Queen (the default): a corner is enough, so (2, 2) joins the L; rook: it does not.
    assert q[(0, 0)] == q[(0, 1)] == q[(1, 1)] == q[(2, 2)] != q[(6, 6)] == q[(6, 7)]
    assert r[(0, 0)] == r[(0, 1)] == r[(1, 1)] != r[(2, 2)]
    assert len(set(queen[queen > 0])) == 2 and len(set(rook[rook > 0])) == 3
    assert (queen[res.cells["gi_bin"].to_numpy() == 0] == 0).all()
    with pytest.raises(ValueError, match="adjacency"):
        hot_clusters(res, adjacency="bishop")


def test_hexagons_are_adjacent_across_their_six_edges_only():
    # Axial [r, q]: (r+1, q-1) is a neighbour (an edge), (r+1, q+1) is two steps away.
    labels = label_cells(np.array([2, 3, 2, 3]), np.array([2, 1, 5, 6]), "hex")
    assert labels[0] == labels[1] and labels[2] != labels[3]
    res = lattice_result([(2, 2), (3, 3)], {}, shape="hex")
    hexes = hot_clusters(res)
    assert len(set(hexes[hexes > 0])) == 2


def test_top_hot_spots_are_clusters_ranked_by_incidents_with_at_least_the_minimum():
    # L-shaped cluster of 2 + 3 + 0 + 1 incidents; a pair with 4; a single cell with 1 (under the minimum).
    counts = {(0, 0): 2, (0, 1): 3, (1, 1): 0, (2, 2): 1, (6, 6): 4, (4, 0): 1}
    res = lattice_result([(0, 0), (0, 1), (1, 1), (2, 2), (6, 6), (6, 7), (4, 0)], counts)
    pts = [(X0 + b * 100 + 50, Y0 + a * 100 + 50) for (a, b), n in counts.items() for _i in range(n)]
    cats = ["burglary"] * 5 + ["public_order"] + ["road_traffic"] * 4 + ["other"]
    inc = gpd.GeoDataFrame({"category": cats}, geometry=gpd.points_from_xy(*zip(*pts)), crs=UTM43)
    roads = gpd.GeoDataFrame({"name": ["Chui avenue", None]},
                             geometry=[LineString([(X0, Y0 - 300), (X0 + 900, Y0 - 300)]),
                                       LineString([(X0, Y0 + 50), (X0 + 900, Y0 + 50)])], crs=UTM43)
    where = incident_cells(res, inc)
    assert (np.bincount(where, minlength=len(res.cells)) == res.cells["count"].to_numpy()).all()
    top = top_hot_spots(res, inc, None, roads)
    assert top["Incidents"].tolist() == [6, 4]  # the single cell with 1 incident is never listed
    assert top["Rank"].tolist() == [1, 2] and top["Cells"].tolist() == [4, 2]
    assert top["Share of the period's incidents, %"].tolist() == [round(600 / 11, 1), round(400 / 11, 1)]
    assert top["Main categories"].iloc[0] == "Burglary 83%, Public order 17%"
    assert top["Main categories"].iloc[1] == "Road traffic 100%"
    assert top["Confidence"].tolist() == ["99%", "99%"]
    # The unnamed road is nearer but has no name a person could look for: the named one is given, with its distance.
    assert top["Nearest road"].iloc[0].startswith("Chui avenue, ")
    assert top_hot_spots(res, inc, None)["Nearest road"].tolist() == ["–", "–"]
    assert top_hot_spots(res, inc, None, min_incidents=5)["Incidents"].tolist() == [6]
    assert len(top_hot_spots(res, inc, None, min_incidents=7)) == 0
    assert top_hot_spots(res, inc, None, min_incidents=1)["Incidents"].tolist() == [6, 4, 1]
    rook = top_hot_spots(res, inc, None, adjacency="rook")
    assert rook["Incidents"].tolist() == [5, 4]  # (2, 2) with 1 incident touches the L at a corner only


def test_nearest_road_text_names_the_distance():
    pts = gpd.GeoSeries(gpd.points_from_xy([X0, X0 + 5_000], [Y0, Y0]), crs=UTM43)
    roads = gpd.GeoDataFrame({"name": ["Lenin street"], "name_ru": ["улица Ленина"]},
                             geometry=[LineString([(X0 - 1_000, Y0 + 120), (X0 + 1_000, Y0 + 120)])], crs=UTM43)
    assert nearest_road_text(pts, roads).tolist() == ["Lenin street, 120 m", "Lenin street, 4,000 m"]
    assert nearest_road_text(pts, roads, lang="ru")[0].startswith("улица Ленина")
    assert nearest_road_text(pts, roads.iloc[:0]).tolist() == ["–", "–"]


def test_default_cell_stays_within_its_floor_and_ceiling():
    rng = np.random.default_rng(3)
    # Twelve incidents over 100 km (a month of livestock theft in a mountain rayon): nearest neighbours are
    # kilometres apart, and the cell would be ~10 km; the ceiling keeps it to a place a patrol can cover.
    sparse = rng.uniform(0, 100_000, (12, 2))
    assert optimized_cell_size(sparse[:, 0], sparse[:, 1]) == CELL_CEILING
    # A thousand incidents within 300 m: the nearest-neighbour rule gives a few metres; the floor holds.
    dense = rng.uniform(0, 300, (1_000, 2))
    assert optimized_cell_size(dense[:, 0], dense[:, 1]) == CELL_FLOOR
    # In between, the cells with incidents hold on average at least CELL_TARGET.
    pts = clustered_points(2_000, extent=20_000)
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    cell = optimized_cell_size(x, y)
    assert CELL_FLOOR <= cell <= CELL_CEILING
    occupied = len(np.unique(np.column_stack([np.floor((x - x.min()) / cell), np.floor((y - y.min()) / cell)]),
                             axis=0))
    assert len(x) / occupied >= CELL_TARGET
    res = hotspots(pts)
    assert res.cell == cell and "grown" in res.params["cell_rule"]


@pytest.fixture(scope="module")
def demo_layers(tmp_path_factory):
    from geo.demo import write_demo
    from geo.report import read_layers

    return read_layers(write_demo(tmp_path_factory.mktemp("hsdemo"), scale=0.5))


def test_jeti_oguz_livestock_theft_gets_cells_a_patrol_can_cover(demo_layers):
    from geo.select import IncidentFilter, select_study

    inc = demo_layers["incidents"]
    last = pd.to_datetime(inc["occurred_at"]).max().date()
    start = last.replace(day=1) - pd.DateOffset(months=5)  # a few months: enough incidents to analyse at all
    study = select_study(demo_layers, IncidentFilter(area="Jeti-Oguz", start=start.date(), end=last,
                                                     categories=("livestock_theft",)))
    assert len(study.incidents) >= 3
    res = hotspots(study.incidents, boundary=study.units)
    assert CELL_FLOOR <= res.cell <= CELL_CEILING  # was 9-12 km before the ceiling


def test_no_top_hot_spot_under_the_minimum_on_the_demo(demo_layers):
    from geo.report.tables import top_density_peaks
    from geo.select import IncidentFilter, select_study
    from geo.stats.density import kernel_density

    listed = 0
    for area in ("Bishkek", "Jeti-Oguz"):
        for cats in (None, ("burglary",), ("livestock_theft",), ("extremism",)):
            study = select_study(demo_layers, IncidentFilter(area=area, categories=cats))
            if len(study.incidents) < 3:
                continue
            res = hotspots(study.incidents, boundary=study.units)
            top = top_hot_spots(res, study.incidents, study.units, study.roads)
            assert (top["Incidents"] >= MIN_TOP_INCIDENTS).all()
            label = hot_clusters(res)
            sums = np.bincount(label, weights=res.cells["count"].to_numpy(dtype=float))[1:]
            expected = sorted((s for s in sums if s >= MIN_TOP_INCIDENTS), reverse=True)[:10]
            assert top["Incidents"].tolist() == [round(s) for s in expected]
            assert set(top["Settlement"]) <= {*study.units["name"], "–"}
            assert (top["Nearest road"] != "–").all()
            peaks = top_density_peaks(kernel_density(study.incidents), study.incidents, study.units, study.roads)
            assert (peaks["Incidents within the search radius"] >= MIN_TOP_INCIDENTS).all()
            listed += len(top)
    assert listed > 0


def test_no_top_hot_spot_under_the_minimum_on_chicago(chicago):
    res = hotspots(chicago, crs=32616)
    assert CELL_FLOOR <= res.cell <= CELL_CEILING
    top = top_hot_spots(res, chicago, None)
    assert len(top) == 10 and (top["Incidents"] >= MIN_TOP_INCIDENTS).all()
    assert top["Incidents"].is_monotonic_decreasing
    single = res.cells[(res.cells["gi_bin"] > 0) & (res.cells["count"] < MIN_TOP_INCIDENTS)]
    assert len(single) > 0  # there were hot cells with 0 or 1 incident to leave out


@pytest.mark.parametrize("shape", ["square", "hex"])
@pytest.mark.parametrize("with_boundary", [False, True])
def test_incidents_are_placed_in_the_cells_that_counted_them(shape, with_boundary):
    pts = clustered_points(3_000, seed=4, extent=6_000)
    area = gpd.GeoDataFrame(geometry=[box(X0 + 500, Y0 + 500, X0 + 5_000, Y0 + 5_500)], crs=UTM43)
    res = hotspots(pts, shape=shape, boundary=area if with_boundary else None)
    where = incident_cells(res, pts)
    assert (np.bincount(where[where >= 0], minlength=len(res.cells)) == res.cells["count"].to_numpy()).all()
    assert (where >= 0).sum() == res.n_incidents
