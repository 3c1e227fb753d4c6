"""JSON-ready values: what every ``--json`` output and parameter record goes through.

JSON has no NaN and no numpy scalars; ``json.dumps`` would write ``NaN`` (not
JSON) or fail on ``np.int64``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["plain", "plain_dict"]


def plain(v: Any) -> Any:
    """A numpy scalar as a Python one, and a non-finite float as None.

    Parameters
    ----------
    v : object

    Returns
    -------
    object
        ``v`` itself for anything else.
    """
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def plain_dict(d: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`plain` applied to every value of a mapping."""
    return {k: plain(v) for k, v in d.items()}
