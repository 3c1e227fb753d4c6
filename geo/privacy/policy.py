"""What a viewer may see of the incidents: the privacy policy and its plain-words description.

A viewer (council members, prevention-centre staff, the public) sees maps and
statistics, never a recorded location, a description, a registry number or an
exact time. :class:`PrivacyPolicy` holds the choices an administrator makes
(the masking method and its distances, the smallest count shown, which
categories are sensitive); every function of :mod:`geo.privacy` takes one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from geo import messages as M
from geo.i18n import N_, Tr

METHODS: tuple[str, ...] = ("donut", "anchors", "aggregate")

# Domestic violence and sexual offences are never points for a viewer, whatever the workspace adds
# (LexisNexis Community Crime Map and police.uk treat them so): only counts per settlement.
SENSITIVE_CATEGORIES: frozenset[str] = frozenset({"domestic_violence", "sexual_offences"})

# Where a workspace keeps its administrator's choices (its metadata): PrivacyPolicy.from_meta / to_meta.
META_KEYS: dict[str, str] = {"method": "privacy_method", "min_m": "privacy_min_m", "max_m": "privacy_max_m",
                             "k": "privacy_k", "min_count": "privacy_min_count", "sensitive": "privacy_sensitive"}

# The columns a viewer's browser may receive of a point; nothing else leaves geo.privacy.
VIEWER_COLUMNS: tuple[str, ...] = ("category", "month", "unit")

# The method in plain words, the method's name in brackets (the page and the pack print it).
METHOD_TEXTS: dict[str, str] = {
    "donut": N_("Points moved {min_m}–{max_m} m at random (donut masking)"),
    "anchors": N_("Points moved to the nearest street point that stands for at least {k} incidents "
                  "(anonymous map points)"),
    "aggregate": N_("Only counts per settlement, no points (aggregation)"),
}
SUPPRESSED_TEXT = N_("fewer than {n}")
SENSITIVE_TEXT = N_("Domestic violence, sexual offences and other sensitive categories are shown only as counts "
                    "per settlement")
SMALL_COUNT_TEXT = N_("Counts below {n} are not shown")
K_TEXT = N_("How many incidents nearby each point could be: at least {k_min}, median {k_median} (spatial "
            "k-anonymity)")
ANCHOR_FEW_TEXT = N_("Points on a map point that stands for fewer than {k} incidents, or on a place of their "
                     "settlement: {n}")
DISPLACEMENT_TEXT = N_("Points moved {low}–{high} m, median {median} m")
FALLBACK_TEXT = N_("Points moved farther than {max_m} m, as no place nearby in their settlement was far enough "
                   "from every recorded incident: {n}")


@dataclass(frozen=True)
class PrivacyPolicy:
    """What a viewer may see.

    Attributes
    ----------
    method : {"donut", "anchors", "aggregate"}
        How incident points reach a viewer: moved at random (donut
        geomasking), moved to anonymous anchor points, or not at all (counts
        per settlement).
    min_m, max_m : float
        Donut: each point moves at least ``min_m`` and at most ``max_m``
        metres. Every method also keeps each shown point at least ``min_m``
        from every recorded incident, so no point sits on a recorded location.
    k : int
        Anchors: each anchor stands for at least ``k`` incidents.
    anchor_spacing : float
        Anchors: streets are cut into pieces of at most this many metres; the
        piece midpoints are the candidate anchors.
    grid_cell : float
        Anchors without a roads layer: the cell of the grid whose centres are
        the candidate anchors; also the cell of :func:`geo.privacy.cell_counts`.
    min_count : int
        Counts from 1 to ``min_count - 1`` are never shown ("fewer than 3").
    sensitive : frozenset of str
        Category keys shown only as counts per settlement (the two defaults
        and what an administrator adds with :meth:`with_sensitive`).
    merge : mapping of str to str
        Category keys a viewer sees under another key (police.uk merges
        categories); applied before everything else.
    max_tries : int
        Donut: random draws per point before it is given one of its settlement's clear places.
    """

    method: str = "donut"
    min_m: float = 100.0
    max_m: float = 500.0
    k: int = 8
    anchor_spacing: float = 200.0
    grid_cell: float = 250.0
    min_count: int = 3
    sensitive: frozenset[str] = SENSITIVE_CATEGORIES
    merge: Mapping[str, str] = field(default_factory=dict)
    max_tries: int = 50

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            msg = M.PRIVACY_BAD_METHOD.format(value=self.method, choices=", ".join(METHODS))
            raise ValueError(msg)
        if not (0 < self.min_m < self.max_m and np.isfinite(self.max_m)):
            msg = M.PRIVACY_BAD_DISTANCES.format(low=f"{self.min_m:g}", high=f"{self.max_m:g}")
            raise ValueError(msg)
        for name in ("k", "min_count", "max_tries"):
            if int(getattr(self, name)) < 1:
                msg = M.PRIVACY_AT_LEAST_ONE.format(field=name)
                raise ValueError(msg)
        if self.anchor_spacing <= 0 or self.grid_cell <= 0:
            msg = M.PRIVACY_AT_LEAST_ONE.format(field="anchor_spacing, grid_cell")
            raise ValueError(msg)
        # a set given as a list or a tuple still compares and hashes as one
        object.__setattr__(self, "sensitive", frozenset(self.sensitive) | SENSITIVE_CATEGORIES)

    def with_sensitive(self, keys: Iterable[str]) -> PrivacyPolicy:
        """The policy with ``keys`` added to the sensitive categories (the two defaults always stay)."""
        return replace(self, sensitive=self.sensitive | frozenset(keys))

    @classmethod
    def from_meta(cls, meta: Mapping[str, str]) -> PrivacyPolicy:
        """The policy an administrator stored in a workspace's metadata (:meth:`to_meta`); defaults elsewhere.

        Raises
        ------
        ValueError
            A stored value that is not a number, or a policy :class:`PrivacyPolicy` refuses.
        """
        kw: dict[str, object] = {}
        if meta.get(META_KEYS["method"]):
            kw["method"] = str(meta[META_KEYS["method"]]).strip()
        for name, kind in (("min_m", float), ("max_m", float), ("k", int), ("min_count", int)):
            text = str(meta.get(META_KEYS[name], "") or "").strip()
            if text:
                try:
                    kw[name] = kind(float(text)) if kind is int else kind(text)
                except ValueError:
                    msg = M.PRIVACY_AT_LEAST_ONE.format(field=name)
                    raise ValueError(msg) from None
        sensitive = [k.strip() for k in str(meta.get(META_KEYS["sensitive"], "") or "").split(",") if k.strip()]
        return cls(**kw).with_sensitive(sensitive)

    def to_meta(self) -> dict[str, str]:
        """The administrator's choices as workspace metadata (read back by :meth:`from_meta`)."""
        return {META_KEYS["method"]: self.method, META_KEYS["min_m"]: f"{self.min_m:g}",
                META_KEYS["max_m"]: f"{self.max_m:g}", META_KEYS["k"]: str(int(self.k)),
                META_KEYS["min_count"]: str(int(self.min_count)),
                META_KEYS["sensitive"]: ",".join(sorted(self.sensitive - SENSITIVE_CATEGORIES))}

    def params(self) -> dict[str, object]:
        """The parameters of the method, JSON-ready, for ``attrs["privacy"]`` and the pack."""
        out: dict[str, object] = {"method": self.method, "min_count": int(self.min_count),
                                  "sensitive": sorted(self.sensitive), "min_m": float(self.min_m)}
        if self.method == "donut":
            out["max_m"] = float(self.max_m)
        if self.method == "anchors":
            out |= {"k": int(self.k), "anchor_spacing": float(self.anchor_spacing), "grid_cell": float(self.grid_cell)}
        if self.merge:
            out["merge"] = dict(sorted(self.merge.items()))
        return out

    def describe(self, *, lang: str = "en") -> str:
        """The method in plain words: "Points moved 100–500 m at random (donut masking)"."""
        _ = Tr(lang)
        return _(METHOD_TEXTS[self.method], min_m=_.int(self.min_m), max_m=_.int(self.max_m), k=_.int(self.k))


def categories_for_viewer(category: pd.Series, policy: PrivacyPolicy) -> pd.Series:
    """The category keys a viewer sees: ``policy.merge`` applied."""
    keys = category.astype("string").fillna("").astype(object)
    return keys.map(lambda k: policy.merge.get(k, k)) if policy.merge else keys


def is_sensitive(category: pd.Series, policy: PrivacyPolicy) -> np.ndarray:
    """Mask of the rows whose category (before or after merging) is sensitive."""
    raw = category.astype("string").fillna("").astype(object)
    merged = categories_for_viewer(category, policy)
    return (raw.isin(policy.sensitive) | merged.isin(policy.sensitive)).to_numpy(dtype=bool)


def months(occurred_at: pd.Series) -> pd.Series:
    """``YYYY-MM`` of each time, ``""`` where there is none: a viewer sees the month, never the day or hour."""
    t = pd.to_datetime(occurred_at, errors="coerce")
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        t = t.dt.tz_localize(None)
    out = t.dt.strftime("%Y-%m")
    return out.astype(object).where(t.notna(), "").astype(str)
