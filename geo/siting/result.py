"""What every siting solve takes and gives: the result type, its tolerances and the checks of its arrays.

The numeric core (:mod:`geo.siting.covering`, :mod:`geo.siting.pmedian`)
takes a coverage or cost matrix, demand weights and the existing-site
columns; this module turns those inputs into one canonical form (a boolean
CSR matrix with sorted indices, a float weight vector, a boolean column
mask) so that each model is written once against that form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from geo.checks import check_choice

__all__ = ["INT_TOL", "MODELS", "RADIUS_TOLERANCE", "SOLVERS", "SitingResult"]

MODELS = ("mclp", "lscp", "pmedian")
SOLVERS = ("highs", "cbc")
RADIUS_TOLERANCE = 1e-9  # a distance equal to the radius covers, whatever the rounding
INT_TOL = 1e-6


@dataclass


class SitingResult:
    """A solved siting model.

    Attributes
    ----------
    model : str
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    selected : numpy.ndarray
        Indices (candidate columns) of the chosen new sites, ascending.
        Existing sites are never among them. In :func:`geo.siting.site`,
        positions in the ``candidates`` frame.
    existing : numpy.ndarray
        Indices (candidate columns) of the existing sites, always open. In
        :func:`geo.siting.site`, positions in the ``stations`` frame.
    objective : float
        MCLP: weighted demand covered by existing and new sites; LSCP: number
        of new sites; p-median: total weighted distance to the nearest open
        site.
    covered : float
        Weighted demand within the radius of an open site (p-median: only
        when a radius is given, else NaN).
    bound : float
        Best bound proven by the solver (MCLP: an upper bound; LSCP and
        p-median: a lower bound). Equal to ``objective`` when optimal.
    gap : float
        ``|bound - objective| / |objective|``; 0.0 when proven optimal.
    status : str
        ``"optimal"``, ``"time limit"``, ``"infeasible"``, ...
    seconds : float
        Reductions, model building and solving.
    stats : dict
        Sizes before and after each reduction, the greedy value, the solver,
        what was skipped and why. JSON-serialisable, except the ``gains``
        table that :func:`geo.siting.site` adds with ``gains_up_to`` (a
        DataFrame).
    assignment : numpy.ndarray or None
        p-median: the open candidate column nearest to each demand point.
    """

    model: str
    selected: np.ndarray
    existing: np.ndarray
    objective: float
    covered: float
    bound: float
    gap: float
    status: str
    seconds: float
    stats: dict = field(default_factory=dict)
    assignment: np.ndarray | None = None


def _gap(obj: float, bound: float) -> float:
    """Relative gap between a solution's value and the solver's bound (inf without a bound)."""
    if not np.isfinite(bound):
        return math.inf
    return abs(bound - obj) / max(abs(obj), 1e-12)


def _check_solver(solver: str) -> str:
    return check_choice(solver, SOLVERS, "solver")


def _cover_inputs(cover: sp.spmatrix, weights: np.ndarray,
                  existing: np.ndarray | None) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """A coverage matrix as boolean CSR (no explicit zeros, sorted indices), its weights and existing-site mask."""
    if not sp.issparse(cover):
        msg = "cover must be a scipy.sparse matrix (see coverage_matrix)"
        raise ValueError(msg)
    a = sp.csr_matrix(cover, dtype=bool, copy=True)
    a.eliminate_zeros()
    a.sum_duplicates()
    a.sort_indices()
    n, m = a.shape
    return a, _check_weights(weights, n), _existing_mask(existing, m)


def _check_weights(weights: np.ndarray, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float).ravel()
    if len(w) != n:
        msg = f"weights has {len(w)} values for {n} demand points"
        raise ValueError(msg)
    if not np.isfinite(w).all() or (w < 0).any():
        msg = "weights must be finite and non-negative"
        raise ValueError(msg)
    return w


def _existing_mask(existing: np.ndarray | None, m: int) -> np.ndarray:
    """Existing sites given as a mask or as column indices, as a mask of length ``m``."""
    if existing is None:
        return np.zeros(m, dtype=bool)
    e = np.asarray(existing)
    if e.dtype == bool:
        if e.shape != (m,):
            msg = f"an existing-site mask needs {m} values, got {e.shape}"
            raise ValueError(msg)
        return e.copy()
    idx = e.astype(np.int64).ravel()
    if len(idx) and (idx.min() < 0 or idx.max() >= m):
        msg = f"existing-site indices must be in 0..{m - 1}"
        raise ValueError(msg)
    mask = np.zeros(m, dtype=bool)
    mask[idx] = True
    return mask


def _xy(v: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    if a.ndim != 2 or a.shape[1] != 2:
        msg = f"{name} must be an (n, 2) array of coordinates, got shape {a.shape}"
        raise ValueError(msg)
    if not np.isfinite(a).all():
        msg = f"{name} has coordinates that are not finite"
        raise ValueError(msg)
    return a
