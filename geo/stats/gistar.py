"""The Getis-Ord Gi* statistic on a regular lattice: z-scores, permutation pseudo p-values, confidence bins.

Gi* here is esda's ``G_Local(y, w, star=True, transform="B")`` (Getis & Ord
1995): with binary weights ``w_ij = 1`` when the centres of cells i and j are
at most ``band`` apart (``j = i`` included), x̄ and s over all n analysed cells
(``s² = Σx²/n - x̄²``), ``W_i = Σ_j w_ij`` and ``S1_i = Σ_j w_ij² = W_i``::

    z_i = (Σ_j w_ij x_j - x̄ W_i) / (s sqrt((n S1_i - W_i²) / (n - 1)))

and ``p = 2 * norm.sf(|z|)`` (two-sided, as ArcGIS reports it; esda's
``p_norm`` is one-sided). Lattice distances equal to the band count as within
it (a relative tolerance of 1e-9), so a 1,000 m band on 500 m cells reaches
the cells two steps away.

Why hand-written rather than ``esda.G_Local``: esda builds a libpysal weights
object (a dict of neighbour lists for every cell) and computes the statistic
from a sparse matrix, and its permutation inference loops over cells. On a
regular lattice with a binary distance band, Gi*'s neighbour sums are a 2-D
convolution with a disk-shaped stencil (:mod:`geo.stats.lattice`), so the
whole analysis is a few convolutions: hundreds of times faster, with the same
numbers (the tests compare every z-score with esda to 1e-9, on synthetic
lattices, hexagons and Chicago's incidents). Hexagons are convolved on their
axial lattice, where a hexagonal disk is again a fixed stencil.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from geo.checks import check_choice, check_count
from geo.messages import GI_TOO_FEW
from geo.stats.lattice import BAND_TOLERANCE, check_shape, disk_stencil, stencil_sum

__all__ = ["LEVELS", "fdr_bins", "gi_star_grid", "gi_star_permutation"]

# Bins of ArcGIS's Gi_Bin: (bin, alpha) from the weakest to the strongest confidence.
LEVELS = ((1, 0.10), (2, 0.05), (3, 0.01))


def gi_star_grid(counts: np.ndarray, *, band_cells: float, mask: np.ndarray | None = None,
                 shape: str = "square") -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided analytic p-values on a regular lattice.

    Equal to ``esda.G_Local(y, w, star=True, transform="B", permutations=0)``
    with ``w`` a binary distance band of ``band_cells`` between cell centres
    (self included), computed as convolutions with a disk stencil.

    Parameters
    ----------
    counts : numpy.ndarray
        2-D values per cell. For ``shape="hex"`` the array is indexed
        ``[r, q]`` by axial coordinates of a pointy-top hexagon grid.
    band_cells : float
        Distance band in units of the spacing between adjacent cell centres
        (the side of a square cell; ``sqrt(3)`` circumradii for hexagons).
    mask : numpy.ndarray, optional
        Boolean, True for cells analysed. Cells outside are neither analysed
        nor anyone's neighbours. Default: all cells.
    shape : {"square", "hex"}
        Lattice of ``counts``.

    Returns
    -------
    z, p : numpy.ndarray
        Same shape as ``counts``; NaN outside the mask. Where Gi* is undefined
        (no variation among the cells, or a cell whose band covers every
        cell) z is 0 and p is 1.
    """
    z, p, _ = _gi_star(counts, band_cells=band_cells, mask=mask, shape=shape)
    return z, p


def _gi_star(counts: np.ndarray, *, band_cells: float, mask: np.ndarray | None,
             shape: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, m, kernel = _prepare(counts, band_cells=band_cells, mask=mask, shape=shape)
    n = int(m.sum())
    if n < 2:
        msg = GI_TOO_FEW.format(n=n)
        raise ValueError(msg)
    w = stencil_sum(m.astype(float), kernel, exact=True)
    lag = stencil_sum(x, kernel, exact=_is_integral(x))
    xm = x[m]
    mean = xm.mean()
    s = math.sqrt(((xm - mean) ** 2).mean())  # Σx²/n - x̄², without the cancellation
    wi, li = w[m], lag[m]
    den = s * np.sqrt(np.maximum(n * wi - wi * wi, 0.0) / (n - 1))
    zi = np.zeros(n)
    ok = den > 0
    zi[ok] = (li[ok] - mean * wi[ok]) / den[ok]
    z = np.full(x.shape, np.nan)
    p = np.full(x.shape, np.nan)
    z[m] = zi
    p[m] = 2.0 * stats.norm.sf(np.abs(zi))
    return z, p, np.where(m, w, 0).astype(np.int64)


def gi_star_permutation(counts: np.ndarray, *, band_cells: float, permutations: int = 999, seed: int = 0,
                        mask: np.ndarray | None = None, shape: str = "square", ties: str = "both") -> np.ndarray:
    """Pseudo p-values of Gi* by conditional permutation, as esda's ``G_Local(...).p_sim``.

    For each cell i with ``W_i`` cells in its band (itself included), the
    value of i stays and ``W_i - 1`` values are drawn without replacement
    from the other ``n - 1`` analysed cells; the neighbour sum of the draw is
    compared with the observed one. As esda's folded one-tailed p_sim, the
    count is taken in the tail the observation lies in::

        p = (min(#draws >= observed, #draws <= observed) + 1) / (permutations + 1)

    a pseudo p-value from ``1 / (permutations + 1)`` to about 0.5 (more
    where many draws tie with the observation), about uniform on (0, 0.5]
    under the null, mean about 0.25. Without ties this is esda's
    ``alternative="directed"`` p_sim exactly; with ties (integer counts) esda
    counts a tie in the upper tail only, so a cell whose neighbours are all
    empty, among many empty cells, gets esda's smallest p (a "99 % cold
    spot" wherever incidents are sparse). Here a tie counts in both tails.

    Draws are shared across cells, as esda's ``crand`` shares one set of
    permuted ids among all cells: each permutation is one random ordered
    sample of ``max(W)`` cells from all n; cell i uses its first ``W_i - 1``
    entries, and when i itself is among them, the next entry takes its place.
    That is still an exact uniform draw from the cells other than i, and it
    makes the work a prefix sum per permutation plus a sort per distinct
    ``W`` (few: interior cells all share one), instead of a loop over cells.
    Comparisons are exact for integer counts.

    Parameters
    ----------
    counts, band_cells, mask, shape
        As :func:`gi_star_grid`.
    permutations : int
        Number of random draws per cell.
    seed : int
        Seed of the random generator: the same seed gives the same p-values.
    ties : {"both", "upper"}
        Count draws equal to the observation in both tails, or (as esda) in
        the upper tail only.

    Returns
    -------
    numpy.ndarray
        Pseudo p-values, NaN outside the mask; 1 for a cell with no neighbour
        in its band (esda reports the smallest p for such islands).
    """
    permutations = check_count(permutations, "permutations")
    check_choice(ties, ("both", "upper"), "ties")
    x, m, kernel = _prepare(counts, band_cells=band_cells, mask=mask, shape=shape)
    n = int(m.sum())
    if n < 2:
        msg = GI_TOO_FEW.format(n=n)
        raise ValueError(msg)
    integral = _is_integral(x)
    w = stencil_sum(m.astype(float), kernel, exact=True)
    lag = stencil_sum(x, kernel, exact=integral)
    y = x[m]
    k = np.rint(w[m]).astype(np.int64) - 1  # neighbours other than the cell itself
    obs = lag[m] - y  # the observed neighbour sum of the others
    if integral:
        y = np.rint(y).astype(np.int64)
        obs = np.rint(obs).astype(np.int64)
        tol = 0
    else:
        tol = BAND_TOLERANCE * float(np.abs(y).max()) * max(int(k.max()), 1)
    kmax = int(k.max())
    rng = np.random.default_rng(seed)
    ids = np.empty((permutations, kmax + 1), dtype=np.int64)
    for r in range(permutations):
        ids[r] = rng.choice(n, size=kmax + 1, replace=False)
    vals = y[ids]
    prefix = np.zeros((permutations, kmax + 2), dtype=vals.dtype)
    np.cumsum(vals, axis=1, out=prefix[:, 1:])

    upper = np.zeros(n, dtype=np.int64)  # draws >= observed
    lower = np.zeros(n, dtype=np.int64)  # draws <= observed
    for kk in np.unique(k):
        if kk == 0:
            continue
        cells = np.flatnonzero(k == kk)
        sums = np.sort(prefix[:, kk])
        upper[cells] = permutations - np.searchsorted(sums, obs[cells] - tol, side="left")
        lower[cells] = np.searchsorted(sums, obs[cells] + tol, side="right")
    # Draws that picked cell i itself among its first k_i: the next entry replaces it.
    rows, pos = np.nonzero(np.arange(kmax)[None, :] < k[ids[:, :kmax]])
    if len(rows):
        v = ids[rows, pos]
        kv = k[v]
        before = prefix[rows, kv]
        after = before - y[v] + vals[rows, kv]
        ov = obs[v]
        d_up = (after >= ov - tol).astype(np.int64) - (before >= ov - tol)
        d_low = (after <= ov + tol).astype(np.int64) - (before <= ov + tol)
        upper += np.rint(np.bincount(v, weights=d_up, minlength=n)).astype(np.int64)
        lower += np.rint(np.bincount(v, weights=d_low, minlength=n)).astype(np.int64)
    larger = np.minimum(upper, lower if ties == "both" else permutations - upper)
    p = (larger + 1.0) / (permutations + 1.0)
    p[k == 0] = 1.0
    out = np.full(x.shape, np.nan)
    out[m] = p
    return out


def fdr_bins(z: np.ndarray, p: np.ndarray, *, fdr: bool = True) -> np.ndarray:
    """Confidence bins -3..3 as ArcGIS's ``Gi_Bin``.

    With ``fdr`` (the Benjamini-Hochberg False Discovery Rate correction,
    as Optimized Hot Spot Analysis applies it): for each confidence level
    (90, 95, 99 % as alpha 0.10, 0.05, 0.01), with the m finite p-values
    sorted ascending, the largest k with ``p_(k) <= k / m * alpha`` sets the
    critical p-value ``p_(k)``; cells at or below it are significant at that
    level. Without ``fdr``: ``p < alpha``. The bin is ``sign(z)`` times 1, 2
    or 3 for 90, 95 or 99 %, else 0; cells with a NaN p-value get 0.

    Parameters
    ----------
    z, p : numpy.ndarray
        z-scores (for the sign) and p-values, same shape.
    fdr : bool
        Correct for multiple testing.

    Returns
    -------
    numpy.ndarray
        ``int8`` bins, same shape as ``p``.
    """
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    if z.shape != p.shape:
        msg = f"z and p differ in shape: {z.shape} and {p.shape}"
        raise ValueError(msg)
    ok = np.isfinite(p) & np.isfinite(z)
    level = np.zeros(p.shape, dtype=np.int8)
    ps = np.sort(p[ok])
    m = len(ps)
    for lev, alpha in LEVELS:  # weakest first: a stronger level overwrites
        if fdr:
            below = np.flatnonzero(ps <= alpha * np.arange(1, m + 1) / m)
            if not len(below):
                continue
            sig = ok & (p <= ps[below[-1]])
        else:
            sig = ok & (p < alpha)
        level[sig] = lev
    return (level * np.sign(np.where(ok, z, 0.0))).astype(np.int8)


def _is_integral(a: np.ndarray) -> bool:
    return bool(np.all(a == np.rint(a)) and np.abs(a).sum() < 2**52)


def _prepare(counts: np.ndarray, *, band_cells: float, mask: np.ndarray | None,
             shape: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    check_shape(shape)
    x = np.asarray(counts, dtype=float)
    if x.ndim != 2:
        msg = f"counts must be a 2-D lattice, got {x.ndim} dimensions"
        raise ValueError(msg)
    m = np.ones(x.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if m.shape != x.shape:
        msg = f"mask shape {m.shape} differs from counts shape {x.shape}"
        raise ValueError(msg)
    if not np.isfinite(x[m]).all():
        msg = "counts must be finite in the analysed cells"
        raise ValueError(msg)
    return np.where(m, x, 0.0), m, disk_stencil(band_cells, shape)
