"""Kernel density: the FFT surface against direct summation, mass, the bandwidth rule, GeoTIFF output."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from pyproj import CRS
from scipy.stats import multivariate_normal
from shapely.geometry import Point

from geo.palette import density_rgba
from geo.stats.density import (
    KERNELS,
    cell_centres,
    density_from_xy,
    direct_density,
    kernel_density,
    silverman_bandwidth,
)

CELL = 100.0
EXTENT = (0.0, 0.0, 8000.0, 8000.0)  # 80 x 80 cells

# Largest |FFT - direct| / peak allowed, at a bandwidth of 12 cells. The smooth
# kernels meet 1e-3. The others have a kink (epanechnikov, triangular) or a
# step (uniform) at the rim, and bilinear binning moves each point by up to a
# cell, so near a rim a cell's value is off by up to a kernel's slope times a
# cell (or, for the uniform disc, a whole kernel height): no grid method is
# exact there. Measured worst over 12 seeds: 6e-4, 6e-5, 2.1e-3, 1.9e-3, 4.8e-2.
TOLERANCE = {"quartic": 1e-3, "gaussian": 1e-3, "epanechnikov": 5e-3, "triangular": 5e-3, "uniform": 0.1}


def clustered(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four gaussian clusters inside EXTENT, in metres."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(2500, 5500, (4, 2))
    p = centres[rng.integers(0, 4, n)] + rng.normal(0, 400, (n, 2))
    return p[:, 0], p[:, 1]


def bishkek(n: int = 300, seed: int = 1) -> gpd.GeoDataFrame:
    """Points in lon/lat around central Bishkek (UTM zone 43N)."""
    rng = np.random.default_rng(seed)
    lon = 74.60 + rng.normal(0, 0.02, n)
    lat = 42.87 + rng.normal(0, 0.015, n)
    return gpd.GeoDataFrame({"victims": rng.integers(1, 4, n)}, geometry=gpd.points_from_xy(lon, lat), crs=4326)


@pytest.mark.parametrize("kernel", KERNELS)
def test_fft_surface_matches_direct_summation(kernel: str) -> None:
    x, y = clustered()
    gx, gy = cell_centres(EXTENT, CELL)
    fft = density_from_xy(x, y, kernel=kernel, bandwidth=12 * CELL, cell=CELL, extent=EXTENT)
    direct = direct_density(x, y, gx, gy, kernel=kernel, bandwidth=12 * CELL)
    assert fft.shape == direct.shape == (80, 80)
    assert np.abs(fft - direct).max() < TOLERANCE[kernel] * direct.max()


def test_weighted_fft_surface_matches_direct_summation() -> None:
    x, y = clustered(seed=3)
    w = np.random.default_rng(3).uniform(0.5, 3.0, len(x))
    gx, gy = cell_centres(EXTENT, CELL)
    fft = density_from_xy(x, y, weights=w, kernel="quartic", bandwidth=1200, cell=CELL, extent=EXTENT)
    direct = direct_density(x, y, gx, gy, weights=w, kernel="quartic", bandwidth=1200)
    assert np.abs(fft - direct).max() < 1e-3 * direct.max()


def test_gaussian_is_the_isotropic_normal_density() -> None:
    x, y = clustered(seed=5)
    h = 500.0
    gx, gy = cell_centres(EXTENT, CELL)
    cx, cy = np.meshgrid(gx, gy)
    cells = np.column_stack([cx.ravel(), cy.ravel()])
    normal = sum(multivariate_normal.pdf(cells, mean=[px, py], cov=h * h * np.eye(2))
                 for px, py in zip(x, y, strict=True))
    normal = normal.reshape(len(gy), len(gx)) * 1e6  # per m² -> per km²
    fft = density_from_xy(x, y, kernel="gaussian", bandwidth=h, cell=CELL, extent=EXTENT)
    # Cut at 4h and renormalised: the kernel is 1 / (1 - e^-8) = 1.0003 times the normal inside 4h.
    assert np.abs(fft - normal).max() < 1e-3 * normal.max()


def test_explicit_extent_counts_points_outside_it() -> None:
    x, y = clustered(seed=2)
    window = (3000.0, 3000.0, 5000.0, 4500.0)  # cuts through the clusters
    gx, gy = cell_centres(window, CELL)
    fft = density_from_xy(x, y, kernel="quartic", bandwidth=1200, cell=CELL, extent=window)
    direct = direct_density(x, y, gx, gy, kernel="quartic", bandwidth=1200)
    assert fft.shape == (15, 20)
    assert np.abs(fft - direct).max() < 1e-3 * direct.max()


@pytest.mark.parametrize("kernel", KERNELS)
def test_mass_is_conserved_up_to_the_edge(kernel: str) -> None:
    pts = bishkek()
    # Put the heaviest points on the bounding box: their kernels reach the extent's edge.
    pts.loc[0, "geometry"] = Point(pts.geometry.x.max() + 0.05, pts.geometry.y.min() - 0.04)
    pts.loc[0, "victims"] = 50
    for weight in (None, "victims"):
        grid = kernel_density(pts, kernel=kernel, bandwidth=400, weight=weight)
        total = len(pts) if weight is None else pts["victims"].sum()
        assert grid.total_weight == total
        assert grid.values.sum() * grid.cell**2 / 1e6 == pytest.approx(total, rel=1e-6)
        assert grid.values.min() >= 0


def test_default_bandwidth_cell_and_extent() -> None:
    pts = bishkek()
    grid = kernel_density(pts)
    m = pts.to_crs(32643)
    x, y = m.geometry.x.to_numpy(), m.geometry.y.to_numpy()
    assert grid.crs == CRS.from_epsg(32643)
    assert grid.bandwidth == pytest.approx(silverman_bandwidth(x, y))
    assert grid.cell == pytest.approx(min(np.ptp(x), np.ptp(y)) / 250)
    xmin, ymin, xmax, ymax = grid.bounds
    # Padded by the bandwidth (plus two cells) and aligned to whole cells.
    assert xmin <= x.min() - grid.bandwidth and xmax >= x.max() + grid.bandwidth
    assert ymin <= y.min() - grid.bandwidth and ymax >= y.max() + grid.bandwidth
    assert xmax - xmin < np.ptp(x) + 2 * grid.bandwidth + 6 * grid.cell
    for v in (xmin, ymin, xmax, ymax):
        assert v / grid.cell == pytest.approx(round(v / grid.cell), abs=1e-6)
    assert grid.shape == (round((ymax - ymin) / grid.cell), round((xmax - xmin) / grid.cell))
    assert grid.n == len(pts) and grid.kernel == "quartic"


def test_bandwidth_rule_on_a_square() -> None:
    # Corners of a square of side 2a about the origin: SD = Dm = a√2, and
    # sqrt(1/ln 2) > 1, so the rule takes SD.
    a = 300.0
    x, y = np.array([-a, a, a, -a]), np.array([-a, -a, a, a]) + 1000.0
    assert silverman_bandwidth(x, y) == pytest.approx(0.9 * a * math.sqrt(2) * 4**-0.2, rel=1e-12)


def test_bandwidth_rule_weighted() -> None:
    # Weights 4, 1, 1, 1 on the corners of a 10 m square: weighted mean centre
    # (20/7, 20/7); the weighted median distance is the heavy corner's,
    # sqrt(2) * 20/7; SD² = (4 * 2 (20/7)² + 2 ((50/7)² + (20/7)²) + 2 (50/7)²) / 7.
    x, y = np.array([0.0, 10.0, 0.0, 10.0]), np.array([0.0, 0.0, 10.0, 10.0])
    sd = math.sqrt((4 * 2 * (20 / 7) ** 2 + 2 * ((50 / 7) ** 2 + (20 / 7) ** 2) + 2 * (50 / 7) ** 2) / 7)
    dm = math.sqrt(2) * 20 / 7
    assert math.sqrt(1 / math.log(2)) * dm < sd  # this case takes the median branch
    expected = 0.9 * math.sqrt(1 / math.log(2)) * dm * 7**-0.2  # n = sum of weights
    assert silverman_bandwidth(x, y, np.array([4.0, 1.0, 1.0, 1.0])) == pytest.approx(expected, rel=1e-12)


def test_bandwidth_rule_median_of_an_even_count() -> None:
    x = np.array([0.0, 1.0, 3.0, 6.0, 10.0, 20.0])
    y = np.zeros(6)
    d = np.abs(x - x.mean())
    expected = 0.9 * min(math.sqrt(np.mean(d * d)), math.sqrt(1 / math.log(2)) * np.median(d)) * 6**-0.2
    assert silverman_bandwidth(x, y) == pytest.approx(expected, rel=1e-12)
    assert silverman_bandwidth(x, y, np.ones(6)) == pytest.approx(expected, rel=1e-12)


def test_doubling_the_weights_doubles_the_surface() -> None:
    pts = bishkek()
    one = kernel_density(pts, bandwidth=500, weight="victims")
    two = kernel_density(pts, bandwidth=500, weight=2 * pts["victims"].to_numpy())
    np.testing.assert_allclose(two.values, 2 * one.values, rtol=1e-12, atol=1e-12 * one.values.max())
    plain = kernel_density(pts, bandwidth=500, weight=np.ones(len(pts)))
    np.testing.assert_allclose(plain.values, kernel_density(pts, bandwidth=500).values, rtol=1e-12, atol=1e-9)


def test_errors() -> None:
    pts = bishkek(20)
    with pytest.raises(ValueError, match="unknown kernel 'biweight'; choose one of quartic"):
        kernel_density(pts, kernel="biweight")
    with pytest.raises(ValueError, match="bandwidth must be a positive number of metres, got 0"):
        kernel_density(pts, bandwidth=0)
    with pytest.raises(ValueError, match="cell must be a positive number of metres, got -5"):
        kernel_density(pts, cell=-5)
    with pytest.raises(ValueError, match="at least 2 points, got 1; give a bandwidth"):
        kernel_density(pts.iloc[:1])
    one = kernel_density(pts.iloc[:1], bandwidth=300)  # a given bandwidth makes one point fine
    assert one.values.sum() * one.cell**2 / 1e6 == pytest.approx(1.0)
    same = pts.iloc[[0, 0, 0]]
    with pytest.raises(ValueError, match=r"all points .* at one place"):
        kernel_density(same)
    bad = pts.copy()
    bad["victims"] = bad["victims"].astype(float)
    bad.loc[7, "victims"] = np.nan
    with pytest.raises(ValueError, match="weight column 'victims' must be finite and non-negative; row 7 has nan"):
        kernel_density(bad, weight="victims")
    with pytest.raises(ValueError, match="no weight column 'people'"):
        kernel_density(pts, weight="people")
    with pytest.raises(ValueError, match="over 50,000,000 cells; use a cell of at least"):
        kernel_density(pts, cell=0.5)
    with pytest.raises(ValueError, match="projected"):
        kernel_density(pts, crs=4326)
    with pytest.raises(ValueError, match="no located points"):
        kernel_density(pts.iloc[:0], bandwidth=100)


def test_geotiff_round_trip_and_identical_bytes(tmp_path: Path) -> None:
    grid = kernel_density(bishkek(), weight="victims")
    a = grid.to_geotiff(tmp_path / "a.tif")
    b = grid.to_geotiff(tmp_path / "b.tif")
    assert a.read_bytes() == b.read_bytes()
    with rasterio.open(a) as src:
        assert src.crs.to_epsg() == 32643
        assert src.transform == grid.transform
        assert (src.height, src.width) == grid.shape
        assert src.nodata is None
        assert src.dtypes == ("float32",)
        values = src.read(1)
        tags = src.tags()
    np.testing.assert_allclose(values, grid.values, rtol=1e-6, atol=1e-6 * grid.values.max())
    assert tags["kernel"] == "quartic" and float(tags["bandwidth_m"]) == grid.bandwidth
    assert float(tags["cell_m"]) == grid.cell and int(tags["n"]) == grid.n
    assert float(tags["total_weight"]) == grid.total_weight


def test_display_helpers() -> None:
    pts = bishkek()
    grid = kernel_density(pts, bandwidth=600)
    (south, west), (north, east) = grid.wgs84_bounds()
    lon, lat = pts.geometry.x, pts.geometry.y
    assert west < lon.min() and east > lon.max() and south < lat.min() and north > lat.max()
    assert north - south < lat.max() - lat.min() + 0.05
    rgba = density_rgba(grid.values)
    assert rgba.shape == (*grid.shape, 4) and rgba.dtype == np.uint8
    assert rgba[0, 0, 3] == 0  # the padded corner is empty, so see-through
    peak = np.unravel_index(grid.values.argmax(), grid.shape)
    assert rgba[peak][3] > 0
    cells = grid.to_cells(min_value=0.0)
    assert cells.crs == grid.crs
    assert len(cells) == (grid.values > 0).sum()
    assert cells.area.to_numpy() == pytest.approx(grid.cell**2)
    assert (cells["density"] * cells.area / 1e6).sum() == pytest.approx(len(pts), rel=1e-6)
    # The peak cell's polygon holds the cell centre of the peak.
    gx, gy = grid.centres()
    top = cells.loc[cells["density"].idxmax()]
    assert top.geometry.contains(Point(gx[peak[1]], gy[peak[0]]))



def test_density_colours_equal_matplotlib_ylorrd() -> None:
    """The overlay's colours, computed without matplotlib, are matplotlib's "YlOrRd" to the byte."""
    import matplotlib

    from geo.palette import _ylorrd_bytes

    cmap = matplotlib.colormaps["YlOrRd"]
    x = np.concatenate([np.linspace(0.0, 1.0, 20_001), [0.0, 1.0, 1 / 256, np.nextafter(1 / 256, 0), 255 / 256,
                                                         np.nextafter(1.0, 0), np.nan, -0.5, 1.5, -np.inf, np.inf]])
    np.testing.assert_array_equal(_ylorrd_bytes(x), cmap(x, bytes=True))

    def as_before(values: np.ndarray, vmax: float | None, floor: float, opacity: float) -> np.ndarray:
        """DensityGrid.to_rgba as it was, with matplotlib."""
        top = float(values.max()) if vmax is None else float(vmax)
        if not top > 0:
            return np.zeros((*values.shape, 4), dtype=np.uint8)
        scaled = np.clip(values / top, 0.0, 1.0)
        rgba = cmap(scaled, bytes=True)
        rgba[..., 3] = np.where(scaled > floor, round(255 * opacity), 0).astype(np.uint8)
        return rgba

    grid = np.random.default_rng(3).gamma(0.6, 40.0, size=(60, 70))
    grid[5, 5] = 0.0
    holed = grid.copy()
    holed[6, 6] = np.nan  # a NaN maximum: nothing is drawn, as before; with a vmax the NaN cell is clear
    for values in (grid, holed, np.zeros((3, 4))):
        for vmax, floor, opacity in ((None, 0.02, 0.75), (50.0, 0.1, 1.0), (1e6, 0.0, 0.3), (0.0, 0.02, 0.75)):
            got = density_rgba(values, vmax=vmax, alpha_floor=floor, opacity=opacity)
            np.testing.assert_array_equal(got, as_before(values, vmax, floor, opacity))
            assert got.dtype == np.uint8 and got.shape == (*values.shape, 4)
    assert density_rgba(grid)[5, 5, 3] == 0 and density_rgba(holed, vmax=50.0)[6, 6].tolist() == [0, 0, 0, 0]
