"""How well a map of scores predicted where the next period's incidents fell: hit rate, PAI and PEI.

A map ranks the cells of a grid of equal cells (the study area: ``C`` cells); the top share of the area
is selected, and the incidents of the test period that fell in it are counted. With ``N`` test incidents,
``n`` of them in the ``k`` selected cells, and ``n*`` the most that any ``k`` cells held (the ``k`` cells
with the most test incidents: hindsight's choice):

- **hit rate** ``= n / N``, the share of the incidents the map's area captured;
- **PAI**, the predictive accuracy index (Chainey, Tompson & Uhlig 2008, *Security Journal* 21:4-28)
  ``= (n / N) / (a / A)``, the hit rate over the area share, here ``a / A = k / C``: how many times more
  incidents than an equal area drawn at random (PAI 1);
- **PEI**, the predictive efficiency index (Hunt 2016, *Do crime hot spots move?*, dissertation, American
  University; as ``ptools::pai``) ``= PAI / PAI*`` with ``PAI* = (n* / N) / (a / A)`` the PAI of the best
  possible selection of the same area, so ``PEI = n / n*``: 0 to 1, 1 for a map that chose as well as
  hindsight could. PAI's ceiling moves with how concentrated the month was (a quiet month with five
  incidents allows a higher PAI than a busy one); PEI's does not, so PEI compares months and methods.

**A share of the area** ``s`` selects ``k = floor(s C + 1/2)`` cells (rounded half up, so the rounding does
not depend on the parity of ``s C`` as Python's ``round`` does), at least 1 and at most ``C``; the area
share in PAI is the ``k / C`` actually selected, not ``s``.

**Ties at the boundary** (documented rule): when the ``k``-th highest score ``v`` is shared by ``t`` cells,
``g`` cells score above ``v`` and only ``r = k - g`` of the tied cells fit, every tied cell counts with the
fraction ``r / t``::

    n = sum(count of cells scoring above v) + (r / t) * sum(count of cells scoring v)

This is the expected ``n`` when the tied cells are ordered at random (each is selected with probability
``r / t``), so the measure does not depend on the order of the cells in the array, and a map that says
nothing (one score everywhere) has PAI exactly 1. ``ptools::pai`` instead puts the tied cells with the
fewest incidents first (the worst case); without a tie at the boundary the two agree. ``n*`` takes the same
rule, where it changes nothing: cells tied on a count hold equal counts. Scores are compared exactly (the
rolling evaluation first rounds each map to 1e-10 of its largest value, so that round-off does not split a
tie); cells without a score (NaN) rank below every score, as tied with each other.

**No test incidents** (``N = 0``): nothing to predict, so hit rate, PAI and PEI are NaN with the reason in
``note``, never a division by zero. PEI is defined whenever ``N > 0`` (then ``n* > 0``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from geo import messages as M

__all__ = ["CURVE_SHARES", "NO_TEST_INCIDENTS", "SHARES", "accuracy", "best_captured", "captured", "cells_for",
           "check_shares", "rates"]

# The shares of the area a patrol plan typically covers: 1, 5 and 10 %.
SHARES = (0.01, 0.05, 0.10)
# The chart's curve: PAI at every half per cent of the area from 0.5 % to 20 %.
CURVE_SHARES = tuple(round(0.005 * i, 3) for i in range(1, 41))
# Why a measure is missing (English; a page translates it).
NO_TEST_INCIDENTS = M.FC_NO_TEST


def check_shares(shares: float | Sequence[float]) -> np.ndarray:
    """``shares`` as a float array, or an error unless each lies in (0, 1]."""
    s = np.atleast_1d(np.asarray(shares, dtype=float))
    if s.ndim != 1 or not len(s) or not (np.isfinite(s).all() and (s > 0).all() and (s <= 1).all()):
        msg = f"shares of the area must lie in (0, 1], got {shares!r}"
        raise ValueError(msg)
    return s


def cells_for(shares: float | Sequence[float], n_cells: int) -> np.ndarray:
    """Cells ``k`` selected for each share of ``n_cells``: ``floor(s C + 1/2)``, at least 1, at most ``C``."""
    s = check_shares(shares)
    if n_cells < 1:
        msg = f"the study area has no cells (n_cells={n_cells})"
        raise ValueError(msg)
    # The tolerance keeps a share that is exactly half a cell (0.025 of 100 cells, 2.4999999...) from rounding down.
    k = np.floor(s * n_cells + 0.5 + 1e-9).astype(np.int64)
    return np.clip(k, 1, n_cells)


def captured(scores: np.ndarray, counts: np.ndarray, cells: int | Sequence[int] | np.ndarray) -> np.ndarray:
    """Incidents in the ``k`` highest-scoring cells, for each ``k`` in ``cells``; boundary ties fractional.

    Parameters
    ----------
    scores, counts : numpy.ndarray
        One value per cell of the study area (flat, same length); NaN scores rank last.
    cells : int or sequence of int
        Numbers of cells to select, each within 1..len(scores).

    Returns
    -------
    numpy.ndarray
        float64 ``n`` per ``k`` (fractional where the ``k``-th score is tied, see the module docstring).
    """
    s, c = _flat(scores, counts)
    k = np.atleast_1d(np.asarray(cells, dtype=np.int64))
    if len(s) == 0 or (k < 1).any() or (k > len(s)).any():
        msg = f"cells to select must lie within 1..{len(s)}, got {cells!r}"
        raise ValueError(msg)
    # Descending order of the scores as ascending order of their negatives; NaN as the lowest score.
    neg = -np.where(np.isnan(s), -np.inf, s)
    order = np.argsort(neg, kind="stable")
    neg = neg[order]
    cum = np.concatenate([[0.0], np.cumsum(c[order])])
    v = neg[k - 1]  # the k-th highest score of each k
    above = np.searchsorted(neg, v, side="left")  # g: cells scoring strictly higher
    through = np.searchsorted(neg, v, side="right")  # g + t: cells scoring at least v
    tied = cum[through] - cum[above]
    return cum[above] + tied * (k - above) / (through - above)


def best_captured(counts: np.ndarray, cells: int | Sequence[int] | np.ndarray) -> np.ndarray:
    """``n*``: the most incidents any ``k`` cells held, for each ``k`` in ``cells`` (hindsight's selection)."""
    c = np.asarray(counts, dtype=float).ravel()
    return captured(c, c, cells)


def rates(n: np.ndarray, n_best: np.ndarray, total: float, cells: np.ndarray,
          n_cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hit rate, PAI, PAI* and PEI from the captured counts; NaN for all when ``total`` is 0.

    Parameters
    ----------
    n, n_best : numpy.ndarray
        Incidents the map's cells and hindsight's cells captured, per selection.
    total : float
        ``N``, the test period's incidents in the study area.
    cells : numpy.ndarray
        ``k`` per selection.
    n_cells : int
        ``C``, the cells of the study area.

    Returns
    -------
    hit_rate, pai, pai_best, pei : numpy.ndarray
    """
    n = np.asarray(n, dtype=float)
    if not total > 0:
        nan = np.full(n.shape, np.nan)
        return nan, nan.copy(), nan.copy(), nan.copy()
    area = np.asarray(cells, dtype=float) / n_cells
    hit = n / total
    best = np.asarray(n_best, dtype=float) / total
    return hit, hit / area, best / area, n / np.asarray(n_best, dtype=float)


def accuracy(scores: np.ndarray, counts: np.ndarray, *, shares: float | Sequence[float] = SHARES,
             mask: np.ndarray | None = None) -> pd.DataFrame:
    """Hit rate, PAI and PEI of a map of scores against the counts of the test period, at shares of the area.

    Parameters
    ----------
    scores : numpy.ndarray
        The map: a score per cell (any shape); higher is predicted busier. NaN ranks last.
    counts : numpy.ndarray
        Incidents of the test period per cell, same shape.
    shares : float or sequence of float
        Shares of the study area to select, each in (0, 1].
    mask : numpy.ndarray, optional
        True for the cells of the study area (same shape); cells outside are neither selected nor counted.
        Default: every cell.

    Returns
    -------
    pandas.DataFrame
        One row per share: ``share``, ``cells`` (k), ``area_share`` (k / C), ``n``, ``N``, ``n_best`` (n*),
        ``hit_rate``, ``pai``, ``pai_best`` (PAI*), ``pei`` and ``note`` (missing, or why the measures are NaN).
    """
    s = np.asarray(scores, dtype=float)
    c = np.asarray(counts, dtype=float)
    if s.shape != c.shape:
        msg = f"scores and counts differ in shape: {s.shape} and {c.shape}"
        raise ValueError(msg)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != s.shape:
            msg = f"mask shape {m.shape} differs from the scores' {s.shape}"
            raise ValueError(msg)
        s, c = s[m], c[m]
    s, c = _flat(s, c)
    share = check_shares(shares)
    k = cells_for(share, len(s))
    total = float(c.sum())
    n, n_best = captured(s, c, k), best_captured(c, k)
    hit, pai, pai_best, pei = rates(n, n_best, total, k, len(s))
    return pd.DataFrame({"share": share, "cells": k, "area_share": k / len(s), "n": n, "N": total,
                         "n_best": n_best, "hit_rate": hit, "pai": pai, "pai_best": pai_best, "pei": pei,
                         "note": pd.Series([None if total > 0 else NO_TEST_INCIDENTS] * len(k), dtype="str")})


def _flat(scores: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=float).ravel()
    c = np.asarray(counts, dtype=float).ravel()
    if s.shape != c.shape:
        msg = f"scores and counts differ in length: {len(s)} and {len(c)}"
        raise ValueError(msg)
    if not len(s):
        msg = "the study area has no cells"
        raise ValueError(msg)
    if not (np.isfinite(c).all() and (c >= 0).all()):
        msg = "counts must be finite and non-negative"
        raise ValueError(msg)
    return s, c
