"""Area statistics on boundary units: smoothed rates and local clusters.

Raw rates per 100,000 are unstable where few people live: one incident in a
village of 300 is a rate of 333 per 100,000. :func:`empirical_bayes` shrinks
each unit's rate towards the overall rate, the more the smaller its
population (Marshall 1991; the same estimator as GeoDa's "Empirical Bayes"
rate and ``esda.smoothing.Empirical_Bayes``). :func:`local_moran` then looks
for clusters of high or low smoothed rates among neighbouring units (LISA,
Anselin 1995) with ``esda.Moran_Local``, and classifies them the way GeoDa's
cluster map does. :func:`area_statistics` puts the two together for a page.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
from esda.moran import Moran_Local

from geo.checks import check_choice, check_count
from geo.crs import to_metric
from geo.messages import LISA_NO_UNITS, LISA_TOO_FEW
from geo.stats.rates import MIN_POPULATION, rate_per_100k, unit_rates

CLUSTERS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}  # esda's quadrant codes (not GeoDa's)
NOT_SIGNIFICANT = "not significant"
NO_POPULATION = "no population"
NO_NEIGHBOURS = "no neighbours"
MIN_LISA_UNITS = 3  # esda's conditional-randomisation variance divides by n - 2


def empirical_bayes(counts: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Global Empirical Bayes smoothed rate per resident (Marshall 1991).

    With raw rates :math:`r_i = e_i / p_i`, the prior mean
    :math:`b = \\sum e / \\sum p`, the population-weighted variance
    :math:`s^2 = \\sum p_i (r_i - b)^2 / \\sum p` and
    :math:`a = s^2 - b / \\bar p`, each unit gets
    :math:`w_i r_i + (1 - w_i) b` with :math:`w_i = a / (a + b / p_i)`.

    This is ``esda.smoothing.Empirical_Bayes(e=counts, b=population).r``
    (esda 2.9, the same operations in the same order) with two differences:

    * ``a`` is clipped at 0, as GeoDa's ``RateSmoother_EBS`` does. esda
      keeps a negative ``a``, which puts weights outside [0, 1] and moves
      rates away from ``b``, past the raw rate. ``a <= 0`` means the counts
      vary no more than chance would make them, so every unit gets ``b``.
    * A unit whose population is 0 or NaN (unknown), or whose count is NaN,
      gets NaN and is left out of ``b``, ``s^2`` and the mean population,
      incidents included: ``b`` is the rate among units with residents.
      esda would divide by zero and spoil every unit's value; GeoDa refuses
      a zero base on its maps.

    Parameters
    ----------
    counts
        Incidents per unit (non-negative).
    population
        Residents per unit (non-negative; 0 or NaN means unknown).

    Returns
    -------
    numpy.ndarray
        Smoothed incidents per resident, one per unit; multiply by 100,000
        (see :func:`geo.stats.rates.rate_per_100k`) for the usual scale.
    """
    e = np.asarray(counts, dtype=float).ravel()
    p = np.asarray(population, dtype=float).ravel()
    if e.shape != p.shape:
        msg = f"counts and population differ in length: {e.size} and {p.size}"
        raise ValueError(msg)
    if (e < 0).any() or (p < 0).any():
        msg = "counts and population must not be negative"
        raise ValueError(msg)
    out = np.full(e.shape, np.nan)
    ok = np.isfinite(e) & np.isfinite(p) & (p > 0)
    if not ok.any():
        return out
    e, p = e[ok], p[ok]
    # the same expressions, in the same order, as esda's Empirical_Bayes
    e_sum, b_sum = e.sum() * 1.0, p.sum() * 1.0
    r_mean = e_sum / b_sum
    rate = e * 1.0 / p
    r_variat = rate - r_mean
    r_var = (p * r_variat * r_variat).sum() * 1.0 / b_sum - r_mean * 1.0 / p.mean()
    if r_var > 0:
        weight = r_var / (r_var + r_mean / p)
        out[ok] = weight * rate + (1.0 - weight) * r_mean
    else:
        out[ok] = r_mean  # no extra-Poisson variation: shrink fully to the prior mean
    return out


def unit_weights(units: gpd.GeoDataFrame, *, kind: str = "queen") -> libpysal.weights.W:
    """Binary contiguity weights between units, with no unit left alone.

    Units are neighbours when their boundaries share a point (``"queen"``)
    or a stretch of edge (``"rook"``), as in GeoDa and libpysal. A unit with
    no such neighbour (an island, an enclave cut off by a unit without data)
    is joined to the unit with the nearest centroid (libpysal ``KNN``,
    ``k=1``), in both directions; otherwise its spatial lag would be empty
    and it could never take part in a cluster. Invalid polygons are repaired
    with ``make_valid`` first, and the weights are built in the local metric
    CRS (:func:`geo.crs.to_metric`), where centroids are meaningful. Nothing
    is kept between calls (contiguity takes ~0.3 s for 77 detailed community
    areas): a page that asks again for the same units caches the result it
    shows.

    Parameters
    ----------
    units
        Polygons with a CRS. Their order is the weights' order: ids are
        ``0 .. len(units) - 1``.
    kind
        ``"queen"`` or ``"rook"``.

    Returns
    -------
    libpysal.weights.W
        Binary (untransformed) weights. With a single unit it has one island.
    """
    check_choice(kind, ("queen", "rook"), "kind")
    if len(units) == 0:
        msg = "no units to build weights for"
        raise ValueError(msg)
    if (units.geometry.isna() | units.geometry.is_empty).any():
        msg = "every unit needs a polygon to find its neighbours"
        raise ValueError(msg)
    geom = to_metric(gpd.GeoDataFrame(geometry=units.geometry.reset_index(drop=True)))
    neighbors = _contiguity(geom, kind)
    return libpysal.weights.W(neighbors, id_order=list(range(len(geom))), silence_warnings=True)


def _contiguity(geom: gpd.GeoDataFrame, kind: str) -> dict[int, list[int]]:
    """Neighbour lists by contiguity, islands joined to their nearest centroid (see unit_weights)."""
    bad = ~geom.geometry.is_valid
    if bad.any():
        geom = geom.copy()
        geom.loc[bad, "geometry"] = geom.geometry[bad].make_valid()
    builder = libpysal.weights.Queen if kind == "queen" else libpysal.weights.Rook
    w = builder.from_dataframe(geom, use_index=False, silence_warnings=True)
    neighbors = {i: [int(j) for j in w.neighbors[i]] for i in range(len(geom))}
    islands = [i for i, nb in neighbors.items() if not nb]
    if islands and len(geom) > 1:
        centroids = geom.geometry.centroid
        nearest = libpysal.weights.KNN.from_array(np.column_stack([centroids.x, centroids.y]), k=1,
                                                  silence_warnings=True)
        for i in islands:
            j = int(nearest.neighbors[i][0])
            # a union, not libpysal's attach_islands, which doubles the link when two islands are each
            # other's nearest
            if j not in neighbors[i]:
                neighbors[i].append(j)
            if i not in neighbors[j]:
                neighbors[j].append(i)
    return neighbors


def fdr_threshold(p: np.ndarray, *, alpha: float = 0.05) -> float:
    """The False Discovery Rate cut-off for a set of p-values, as GeoDa and esda compute it.

    With the m p-values sorted, :math:`p_{(1)} \\le \\dots \\le p_{(m)}`,
    take the largest k with :math:`p_{(k)} < k \\alpha / m` and return
    :math:`k \\alpha / m`; if there is none, return the Bonferroni bound
    :math:`\\alpha / m`. A unit is significant when its p-value is at most
    the cut-off. This is ``esda.fdr(p, alpha)`` and the "False Discovery
    Rate" of GeoDa's significance dialog, and it rejects the same units as
    Benjamini-Hochberg except where a p-value equals :math:`k \\alpha / m`
    exactly (the strict ``<`` is theirs; BH uses ``<=``). Such ties are not
    rare with permutation p-values: with 999 permutations, 50 units and
    alpha 0.05, every :math:`k \\alpha / m = k / 1000` is a possible p.
    (libgeoda's ``lisa_fdr``, behind pygeoda and rgeoda, stops at the first
    p-value above its line instead, which can give a smaller cut-off.)

    NaN p-values (units not tested) are left out of m.
    """
    _check_alpha(alpha)
    q = np.sort(np.asarray(p, dtype=float).ravel())
    q = q[np.isfinite(q)]
    m = q.size
    if m == 0:
        return float("nan")
    line = np.arange(1, m + 1) * alpha / m  # index * alpha / n, as esda, so the values are bit-identical
    passed = np.flatnonzero(q < line)
    return float(line[passed[-1]]) if passed.size else float(alpha / m)


def local_moran(values: np.ndarray, w: libpysal.weights.W, *, permutations: int = 999, seed: int = 12345,
                fdr: bool = True, alpha: float = 0.05) -> pd.DataFrame:
    """Local Moran's I (LISA) with a cluster class per unit.

    Runs ``esda.Moran_Local(values, w, transformation="r",
    permutations=permutations, seed=seed)`` on a copy of ``w`` (esda
    row-standardises the weights object it is given). A unit is significant
    when its pseudo p-value ``p_sim`` is at most the cut-off, as in GeoDa's
    cluster map: ``alpha`` itself, or with ``fdr`` the False Discovery Rate
    cut-off of :func:`fdr_threshold` over all tested units.

    Parameters
    ----------
    values
        One finite value per unit, in the order of ``w.id_order``.
    w
        Spatial weights over the same units, e.g. from :func:`unit_weights`.
    permutations
        Conditional permutations for the pseudo p-values (at least 1); with
        999 the smallest possible p is 0.001.
    seed
        Seed for the permutations, so a page shows the same map each time.
    fdr
        Correct for testing every unit at once (recommended: with 77 units
        and ``alpha=0.05`` about four would look significant by chance).
    alpha
        Significance level.

    Returns
    -------
    pandas.DataFrame
        One row per value, in order: ``I`` (local Moran's I), ``z`` (esda
        ``z_sim``), ``p`` (``p_sim``), ``quadrant`` (esda ``q``: 1 HH, 2 LH,
        3 LL, 4 HL) and ``cluster`` (``"HH"``, ``"LL"``, ``"HL"``, ``"LH"``
        or ``"not significant"``). A unit without neighbours in ``w`` is not
        tested (``p`` NaN, cluster ``"no neighbours"``). If all values are
        equal there is nothing to find: ``I``, ``z`` and ``p`` are NaN,
        ``quadrant`` 0 and every unit is not significant. ``attrs["cutoff"]``
        holds the p-value cut-off used.
    """
    y = np.asarray(values, dtype=float).ravel()
    if y.size != w.n:
        msg = f"{y.size} values for weights over {w.n} units"
        raise ValueError(msg)
    if y.size < MIN_LISA_UNITS:
        msg = LISA_TOO_FEW.format(need=MIN_LISA_UNITS, n=y.size)
        raise ValueError(msg)
    if not np.isfinite(y).all():
        msg = "values must be finite; leave units without a value out of values and weights"
        raise ValueError(msg)
    check_count(permutations, "permutations")
    _check_alpha(alpha)
    n = y.size
    out = pd.DataFrame({"I": np.full(n, np.nan), "z": np.full(n, np.nan), "p": np.full(n, np.nan),
                        "quadrant": np.zeros(n, dtype=int), "cluster": NOT_SIGNIFICANT})
    alone = np.array([len(w.neighbors[i]) == 0 for i in w.id_order])
    if np.ptp(y) == 0:
        out.loc[alone, "cluster"] = NO_NEIGHBOURS
        out.attrs["cutoff"] = float("nan")
        return out
    wc = libpysal.weights.W(w.neighbors, w.weights, id_order=w.id_order, silence_warnings=True)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # esda 2.9 announces a future change of its default test on every call; p_sim here is its
        # current folded (directed) p-value, the one GeoDa reports. A unit whose permuted I never
        # varies (its value is the mean) has z = 0/0: NaN, not a warning.
        warnings.filterwarnings("ignore", message="The alternative hypothesis", category=DeprecationWarning)
        lm = Moran_Local(y, wc, transformation="r", permutations=permutations, seed=seed)
    out["I"] = lm.Is
    out["z"] = lm.z_sim
    out["p"] = lm.p_sim
    out["quadrant"] = np.asarray(lm.q, dtype=int)
    out.loc[alone, ["z", "p"]] = np.nan
    cutoff = fdr_threshold(out["p"].to_numpy(), alpha=alpha) if fdr else alpha
    sig = (out["p"] <= cutoff).to_numpy()  # GeoDa's rule; esda's get_cluster_labels uses "<"
    out.loc[sig, "cluster"] = out.loc[sig, "quadrant"].map(CLUSTERS)
    out.loc[alone, "cluster"] = NO_NEIGHBOURS
    out.attrs["cutoff"] = float(cutoff)
    return out


def area_statistics(incidents: pd.DataFrame, units: gpd.GeoDataFrame, *, days: int | None = None,
                    permutations: int = 999, seed: int = 12345, fdr: bool = True, alpha: float = 0.05,
                    kind: str = "queen", min_population: float = MIN_POPULATION) -> gpd.GeoDataFrame:
    """Counts, raw and smoothed rates, and LISA clusters of smoothed rates per unit.

    Parameters
    ----------
    incidents
        Incidents with the ``unit`` column of :func:`geo.select.assign_units`
        (already filtered to the period and categories shown).
    units
        Boundary units with ``name`` and, where known, ``population``. A
        layer without a ``population`` column is treated as all unknown.
    days
        Length of the period; given, rates are per 100,000 a year.
    permutations, seed, fdr, alpha
        As in :func:`local_moran`.
    kind
        Contiguity, as in :func:`unit_weights`.
    min_population
        Fewest residents for a rate (:data:`geo.stats.rates.MIN_POPULATION`):
        a unit under it is treated as one without population: no raw or
        smoothed rate, left out of the Empirical Bayes prior and of the LISA.

    Returns
    -------
    geopandas.GeoDataFrame
        ``units`` (same index and order) with ``unit_id``, ``count``, ``rate``
        (raw, per 100,000, from :func:`geo.stats.rates.unit_rates`),
        ``rate_note`` (why a unit has no rate, "" where it has one), ``eb_rate``
        (:func:`empirical_bayes`, same scale), ``lisa_I``, ``lisa_p`` and
        ``lisa_cluster`` (``"HH"``, ``"LL"``, ``"HL"``, ``"LH"``,
        ``"not significant"`` or ``"no population"``).

        The LISA runs on ``eb_rate`` over the units with a population only;
        their weights are built among themselves, so a unit whose only
        neighbour has no population is joined to its nearest populated unit.
        Units without population keep their row with NaN rates and
        ``"no population"``. With fewer than three populated units there is
        no LISA: ``lisa_I`` and ``lisa_p`` are NaN and the units are
        ``"not significant"``. ``attrs["lisa_cutoff"]`` holds the p-value
        cut-off used (NaN when no LISA ran).
    """
    if "unit" not in incidents.columns:
        msg = LISA_NO_UNITS
        raise ValueError(msg)
    has_pop = "population" in units.columns
    base = units if has_pop else units.assign(population=np.nan)
    out = unit_rates(incidents, base, days=days, min_population=min_population)
    pop = pd.to_numeric(out["population"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    pop = np.where(pop >= min_population, pop, np.nan)  # too few residents: no value, as no population
    eb = empirical_bayes(out["count"].to_numpy(dtype=float), pop)
    # eb is already per resident, so "count" eb over a population of 1 puts it on the rate's scale
    out["eb_rate"] = rate_per_100k(eb, 1.0, days=days)
    out["lisa_I"] = np.nan
    out["lisa_p"] = np.nan
    out["lisa_cluster"] = NO_POPULATION
    out.attrs["lisa_cutoff"] = float("nan")
    tested = np.isfinite(pop) & (pop > 0)
    out.loc[tested, "lisa_cluster"] = NOT_SIGNIFICANT
    if tested.sum() >= MIN_LISA_UNITS:
        sub = out.loc[tested]
        w = unit_weights(sub, kind=kind)
        lisa = local_moran(sub["eb_rate"].to_numpy(), w, permutations=permutations, seed=seed, fdr=fdr,
                           alpha=alpha)
        out.loc[tested, "lisa_I"] = lisa["I"].to_numpy()
        out.loc[tested, "lisa_p"] = lisa["p"].to_numpy()
        out.loc[tested, "lisa_cluster"] = lisa["cluster"].to_numpy()
        out.attrs["lisa_cutoff"] = lisa.attrs["cutoff"]
    if not has_pop:
        out = out.drop(columns="population")
    return out


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        msg = f"alpha must be between 0 and 1, got {alpha}"
        raise ValueError(msg)
