"""Argument checks shared by the library: one wording for one mistake.

Each check raises :class:`ValueError` with a message that names the argument
and the value given, in the style of osmnx (``msg = ...; raise ValueError(msg)``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection

from geo.messages import CHECK_CHOICE, CHECK_MUST_BE, CHECK_POSITIVE, CHECK_POSITIVE_UNIT, CHECK_WHOLE

__all__ = ["check_choice", "check_count", "check_positive"]


def check_positive(value: object, name: str, *, unit: str | None = None) -> float:
    """``value`` as a float, or an error unless it is a finite number above zero.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        The argument's name, for the message.
    unit : str, optional
        Its unit, for the message ("metres", "minutes").

    Returns
    -------
    float
    """
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and math.isfinite(float(value)) and float(value) > 0)
    if not ok:
        what = CHECK_POSITIVE_UNIT.format(unit=unit) if unit else CHECK_POSITIVE
        msg = CHECK_MUST_BE.format(name=name, what=what, value=repr(value))
        raise ValueError(msg)
    return float(value)  # type: ignore[arg-type]


def check_count(value: object, name: str, *, minimum: int = 1) -> int:
    """``value`` as an int, or an error unless it is a whole number of at least ``minimum``.

    Parameters
    ----------
    value : object
    name : str
    minimum : int, default 1

    Returns
    -------
    int
    """
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and math.isfinite(float(value)) and int(value) == value and value >= minimum)
    if not ok:
        msg = CHECK_WHOLE.format(name=name, minimum=minimum, value=repr(value))
        raise ValueError(msg)
    return int(value)  # type: ignore[call-overload]


def check_choice(value: object, choices: Collection[str], name: str) -> str:
    """``value``, or an error listing ``choices`` when it is not one of them.

    Parameters
    ----------
    value : object
    choices : collection of str
    name : str

    Returns
    -------
    str
    """
    if value not in choices:
        msg = CHECK_CHOICE.format(name=name, names=", ".join(map(str, choices)), value=repr(value))
        raise ValueError(msg)
    return str(value)
