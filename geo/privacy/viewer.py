"""The incidents layer a viewer's pages read: the data model's columns, nothing a viewer may not see.

:func:`geo.privacy.viewer_incidents` gives masked points with ``category``,
``month`` and ``unit`` only. The pages, the print maps and the pack read the
incidents layer of the data model (``id``, ``occurred_at``, ``category``,
``description``, ``raw_category``, ``weight``, ``unit``, ``area``); so that
every one of them works unchanged for a viewer, :func:`viewer_layer` returns a
frame of that schema whose values are the viewer's:

- the point is the masked one (never a recorded location);
- ``id`` is an anonymous ``v1``, ``v2`` ... in a random (seeded) order, not the registry number;
- ``occurred_at`` is the first day of the incident's month, at midnight (dates to the month);
- ``description`` and ``raw_category`` are empty;
- sensitive categories are left out (their counts per settlement: :func:`sensitive_counts`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.privacy.counts import settlement_counts
from geo.privacy.masking import viewer_incidents
from geo.privacy.policy import PrivacyPolicy, is_sensitive
from geo.select import UNASSIGNED, unit_ids

VIEWER_ID_PREFIX = "v"
# The order of the rows is drawn from the seed and this: not the masking's own permutation.
_ORDER_SALT = 0x5EED_0F_0DE


def viewer_layer(incidents: gpd.GeoDataFrame, *, boundaries: gpd.GeoDataFrame | None,
                 roads: gpd.GeoDataFrame | None = None, policy: PrivacyPolicy, seed: int,
                 recorded: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The incidents layer as a viewer may receive it, in the incidents' own schema.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The recorded incidents (the data model's columns, with ``unit`` and ``area`` when placed).
    boundaries, roads : geopandas.GeoDataFrame, optional
        As :func:`geo.privacy.viewer_incidents`; ``area`` of a row is its masked point's settlement's.
    policy : PrivacyPolicy
        The method and its parameters. With ``"aggregate"`` no point is shown: the layer is empty.
    seed : int
        The workspace's secret seed (kept on the server).
    recorded : geopandas.GeoDataFrame, optional
        Every recorded incident (default ``incidents``): no shown point lies within ``policy.min_m`` of one.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id``, ``occurred_at``, ``category``, ``description``,
        ``raw_category``, ``weight``, ``unit``, ``area`` and the masked
        point, in the incidents' CRS and column dtypes; ``attrs["privacy"]``
        as :func:`geo.privacy.viewer_incidents` gives it (method, parameters,
        measures: :class:`geo.privacy.PrivacyReport` reads it).
    """
    columns = [c for c in ("id", "occurred_at", "category", "description", "raw_category", "weight", "unit", "area")
               if c in incidents or c in ("unit", "area")]
    if policy.method == "aggregate":
        empty = incidents.iloc[:0].copy()
        for c in ("unit", "area"):
            if c not in empty:
                empty[c] = pd.Series([], dtype=object)
        out = empty[[*columns, empty.geometry.name]]
        out.attrs = {"privacy": {**policy.params(), "points": 0,
                                 "withheld_sensitive": int(is_sensitive(incidents["category"], policy).sum())
                                 if "category" in incidents else 0}}
        return out
    masked = viewer_incidents(incidents, boundaries=boundaries, roads=roads, policy=policy, seed=seed,
                              recorded=incidents if recorded is None else recorded, keep_order=True)
    n = len(masked)
    # keep_order: row i stands for the i-th located, not sensitive incident; its weight comes along
    geom = incidents.geometry
    located = (~geom.isna() & ~geom.is_empty).to_numpy(dtype=bool)
    sensitive = (is_sensitive(incidents["category"], policy) if "category" in incidents
                 else np.zeros(len(incidents), dtype=bool))
    shown = np.flatnonzero(located & ~sensitive)
    weight = (incidents["weight"].iloc[shown].to_numpy() if "weight" in incidents and len(shown) == n
              else np.ones(n))
    order = np.random.default_rng([int(seed) % (1 << 63), _ORDER_SALT]).permutation(n)
    month = masked["month"].to_numpy(dtype=object)[order]
    when = pd.to_datetime(pd.Series(month, dtype=object).where(pd.Series(month, dtype=object) != "", None)
                          .map(lambda m: None if m is None else f"{m}-01"), errors="coerce")
    if "occurred_at" in incidents:
        when = _like(when, incidents["occurred_at"])
    unit = masked["unit"].to_numpy(dtype=object)[order]
    frame = {
        "id": pd.array([f"{VIEWER_ID_PREFIX}{i + 1}" for i in range(n)], dtype="string"),
        "occurred_at": when.to_numpy(),
        "category": masked["category"].to_numpy(dtype=object)[order],
        "description": pd.array([pd.NA] * n, dtype="string"),
        "raw_category": pd.array([pd.NA] * n, dtype="string"),
        "weight": weight[order],
        "unit": unit,
        "area": _areas(unit, boundaries),
    }
    out = gpd.GeoDataFrame({c: frame[c] for c in columns}, geometry=masked.geometry.to_numpy()[order],
                           crs=masked.crs)
    for c in ("id", "category", "description", "raw_category", "weight"):
        if c in incidents and c in out:  # the data model's dtypes: pages that compare or sum get what they expect
            try:
                out[c] = out[c].astype(incidents[c].dtype)
            except (TypeError, ValueError):
                pass
    if "weight" not in incidents and "weight" in out:
        out = out.drop(columns="weight")
    out.attrs = {"privacy": dict(masked.attrs.get("privacy", {}))}
    return out


def sensitive_counts(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, *,
                     policy: PrivacyPolicy) -> gpd.GeoDataFrame:
    """Counts per settlement and sensitive category, small ones suppressed: all a viewer learns of them.

    The rows of :func:`geo.privacy.settlement_counts` on the sensitive
    incidents only (``unit``, ``category``, ``count``, ``suppressed``, the
    settlement's polygon); settlements without any are left out.
    """
    if "category" not in incidents or len(incidents) == 0 or boundaries is None or len(boundaries) == 0:
        return settlement_counts(incidents.iloc[:0], boundaries if boundaries is not None else
                                 gpd.GeoDataFrame(geometry=[], crs=incidents.crs), policy=policy)
    chosen = incidents[is_sensitive(incidents["category"], policy)]
    table = settlement_counts(chosen, boundaries, policy=policy)
    keep = table["suppressed"] | (table["count"].fillna(0) > 0)
    return table[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def _like(when: pd.Series, model: pd.Series) -> pd.Series:
    """``when`` in the dtype of ``model`` (the same resolution and time zone)."""
    tz = getattr(model.dtype, "tz", None)
    if tz is not None:
        when = when.dt.tz_localize(tz)
    try:
        return when.astype(model.dtype)
    except (TypeError, ValueError):
        return when


def _areas(unit: np.ndarray, boundaries: gpd.GeoDataFrame | None) -> np.ndarray:
    """The ``area`` of each settlement id (``""`` outside all)."""
    if boundaries is None or len(boundaries) == 0 or "area" not in boundaries:
        return np.full(len(unit), UNASSIGNED, dtype=object)
    lookup = dict(zip(unit_ids(boundaries).astype(str), boundaries["area"].fillna("").astype(str), strict=True))
    return np.array([lookup.get(str(u), UNASSIGNED) for u in unit], dtype=object)
