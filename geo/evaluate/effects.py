"""Did it work? Before-and-after counts in a treated area, its displacement ring and a control area.

The numeric core of the evaluation: counts in, measures out, no geometry (the adapter that counts
incidents in areas is :mod:`geo.evaluate.areas`). Two measures the crime-prevention field uses, each with
what it cannot tell:

- the **weighted displacement difference** (WDD; Wheeler & Ratcliffe 2018, *Crime Science* 7:17): the
  change in the treated area less the change in the control, plus the same for the displacement ring
  against its own control; its variance is the sum of the counts (each count taken as Poisson), so it has
  a standard error, a z-score, a two-sided p-value and a confidence interval. Counts of areas of different
  sizes or periods of different lengths are weighted as Wheeler's ``ptools::wdd`` does (counts divided by
  their weight, the variance by its square).
- the **weighted displacement quotient** (WDQ; Bowers & Johnson 2003, *Journal of Quantitative Criminology*
  19:275-301): the success measure (change of the treated area relative to the control), the buffer
  displacement measure, their quotient (above 0: diffusion of benefits; below 0: displacement; near 0
  with a success: neither) and the total net effect (incidents prevented, less those displaced, against
  what the control's trend predicts; Guerette 2009).

Ratcliffe's spreadsheet divides by zero on an empty area; here a measure that a zero makes meaningless is
``None`` with its reason in ``notes`` (geo.messages), never an error or an infinity. No library of the
field computes these in Python (``ptools`` is R, the spreadsheet is Excel), so they are written here, and
checked against the worked example of Wheeler & Ratcliffe (2018) and ``ptools``' tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from scipy.stats import norm

from geo import messages as M

__all__ = ["Counts", "Effects", "effects"]


@dataclass(frozen=True)
class Counts:
    """Incidents before and after the intervention's start in one area."""

    before: float
    after: float

    @classmethod
    def of(cls, value: Counts | Sequence[float] | str, *, name: str = "counts") -> Counts:
        """From ``Counts``, a pair ``(before, after)`` or the text ``"B,A"`` (the command line's)."""
        if isinstance(value, Counts):
            return value
        parts = value.split(",") if isinstance(value, str) else list(value)
        try:
            before, after = (float(str(p).strip()) for p in parts)
        except ValueError:
            msg = M.EVAL_BAD_COUNTS.format(name=name, value=value)
            raise ValueError(msg) from None
        if not (before >= 0 and after >= 0 and math.isfinite(before) and math.isfinite(after)):
            msg = M.EVAL_BAD_COUNTS.format(name=name, value=value)
            raise ValueError(msg)
        return cls(before, after)

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class Effects:
    """The measures of one before-and-after comparison (see the module docstring).

    ``wdd`` is the total (treated plus displacement ring); ``wdd_local`` and ``wdd_displacement`` its two
    parts, each with its standard error. Negative WDD: fewer incidents than the control's trend predicts.
    ``wdq``, ``success``, ``displacement_measure`` and ``tne`` are ``None`` where a zero count leaves them
    undefined; ``notes`` say why (message templates of :mod:`geo.messages`, English; pages translate them).
    """

    treated: Counts
    control: Counts
    displacement: Counts | None
    displacement_control: Counts | None
    alpha: float
    wdd: float
    se: float
    z: float | None
    p: float | None
    ci: tuple[float, float]
    wdd_local: float
    se_local: float
    wdd_displacement: float | None
    se_displacement: float | None
    success: float | None
    displacement_measure: float | None
    wdq: float | None
    tne: float | None
    notes: tuple[str, ...] = field(default=())
    time_weights: tuple[float, float] = (1.0, 1.0)
    area_weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: the command line's ``--json``."""
        def pair(c: Counts | None) -> list[float] | None:
            return None if c is None else [c.before, c.after]

        return {"wdd": self.wdd, "se": self.se, "z": self.z, "p": self.p, "ci": list(self.ci), "alpha": self.alpha,
                "wdd_local": self.wdd_local, "se_local": self.se_local, "wdd_displacement": self.wdd_displacement,
                "se_displacement": self.se_displacement, "wdq": self.wdq, "success": self.success,
                "displacement_measure": self.displacement_measure, "tne": self.tne,
                "counts": {"treated": pair(self.treated), "control": pair(self.control),
                           "displacement": pair(self.displacement),
                           "displacement_control": pair(self.displacement_control)},
                "time_weights": list(self.time_weights), "area_weights": list(self.area_weights),
                "notes": list(self.notes)}


def effects(treated: Counts | Sequence[float] | str, control: Counts | Sequence[float] | str, *,
            displacement: Counts | Sequence[float] | str | None = None,
            displacement_control: Counts | Sequence[float] | str | None = None,
            time_weights: tuple[float, float] = (1.0, 1.0),
            area_weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
            alpha: float = 0.05) -> Effects:
    """WDD with its inference and WDQ with the total net effect, from before-and-after counts.

    Parameters
    ----------
    treated, control : Counts, (before, after) or "B,A"
        The treated area and its control area.
    displacement, displacement_control : optional
        The ring around the treated area, and its own control (default: ``control``, as the WDQ uses one
        control for both).
    time_weights : (before, after)
        Lengths of the two periods (e.g. ``(2, 1)`` for two years before and one after): WDD compares
        incidents per unit of time. The WDQ takes periods of equal length.
    area_weights : (control, treated, displacement_control, displacement)
        Sizes of the areas (``ptools::wdd``'s order): WDD compares incidents per unit of area.
    alpha : float
        1 - the confidence of the interval (0.05: 95 %).

    Returns
    -------
    Effects

    Raises
    ------
    ValueError
        A count that is negative or not a number, a weight that is not positive, or ``alpha`` outside (0, 1).
    """
    t, c = Counts.of(treated, name="treated"), Counts.of(control, name="control")
    d = None if displacement is None else Counts.of(displacement, name="displacement")
    dc = None if d is None else Counts.of(displacement_control if displacement_control is not None else c,
                                          name="displacement control")
    if not 0 < alpha < 1:
        msg = f"alpha must lie between 0 and 1, got {alpha}"
        raise ValueError(msg)
    weights = [*time_weights, *area_weights]
    if len(time_weights) != 2 or len(area_weights) != 4 or not all(w > 0 and math.isfinite(w) for w in weights):
        msg = "time_weights are two and area_weights four positive numbers"
        raise ValueError(msg)
    (w_before, w_after), (a_c, a_t, a_dc, a_d) = time_weights, area_weights

    def diff(x: Counts, area: float) -> tuple[float, float]:
        """Change per unit of time and area, and its variance (Poisson counts)."""
        b, a = w_before * area, w_after * area
        return x.after / a - x.before / b, x.after / a**2 + x.before / b**2

    est_t, var_t = diff(t, a_t)
    est_c, var_c = diff(c, a_c)
    wdd_local, var_local = est_t - est_c, var_t + var_c
    wdd_disp = var_disp = None
    if d is not None and dc is not None:
        est_d, var_d = diff(d, a_d)
        est_dc, var_dc = diff(dc, a_dc)
        wdd_disp, var_disp = est_d - est_dc, var_d + var_dc
    total = wdd_local + (wdd_disp or 0.0)
    var = var_local + (var_disp or 0.0)
    se = math.sqrt(var)
    level = float(norm.ppf(1 - alpha / 2))
    notes: list[str] = []
    if se > 0:
        z = total / se
        p = float(2 * norm.sf(abs(z)))
    else:
        z = p = None
        notes.append(M.EVAL_NO_COUNTS)
    if 0 < min(t.before + t.after, c.before + c.after) < 20:
        notes.append(M.EVAL_SMALL_COUNTS)
    success, disp_measure, wdq, tne = _wdq(t, c, d, notes)
    return Effects(treated=t, control=c, displacement=d, displacement_control=dc, alpha=alpha, wdd=total, se=se,
                   z=z, p=p, ci=(total - level * se, total + level * se), wdd_local=wdd_local,
                   se_local=math.sqrt(var_local), wdd_displacement=wdd_disp,
                   se_displacement=None if var_disp is None else math.sqrt(var_disp), success=success,
                   displacement_measure=disp_measure, wdq=wdq, tne=tne, notes=tuple(notes),
                   time_weights=(float(w_before), float(w_after)),
                   area_weights=(float(a_c), float(a_t), float(a_dc), float(a_d)))


def _wdq(t: Counts, c: Counts, d: Counts | None, notes: list[str]
         ) -> tuple[float | None, float | None, float | None, float | None]:
    """Bowers & Johnson's success measure, buffer displacement measure, WDQ and total net effect."""
    if c.before == 0 or c.after == 0:
        notes.append(M.EVAL_EMPTY_CONTROL)
        return None, None, None, None
    success = t.after / c.after - t.before / c.before
    trend = c.after / c.before  # what the control's change predicts for an area of the same trend
    tne = t.before * trend - t.after
    if d is None:
        return success, None, None, tne
    disp_measure = d.after / c.after - d.before / c.before
    tne += d.before * trend - d.after
    if success == 0:
        notes.append(M.EVAL_NO_CHANGE)
        return success, disp_measure, None, tne
    return success, disp_measure, disp_measure / success, tne
