"""An evaluation in plain words: what changed, whether chance explains it, displacement, and the limits.

The words come from the catalog (geo.i18n), so the page, the pack and the command line say the same thing
in the reader's language; the numbers are :class:`geo.evaluate.Effects`' own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from geo.evaluate.effects import Counts, Effects
from geo.i18n import N_, Tr

if TYPE_CHECKING:
    from geo.evaluate.areas import Evaluation

__all__ = ["LIMITS", "limits", "paragraphs", "question", "setting", "verdict"]

# What a before-and-after comparison with a control cannot tell (Bowers & Johnson 2003; Wheeler & Ratcliffe 2018).
LIMITS = (
    N_("Something else that changed at the same time only in the treated area (a new estate, a change in how "
       "incidents are recorded, another action) would look the same."),
    N_("An area chosen because it had an unusually bad year tends to improve by itself (regression to the mean)."),
    N_("The control stands for what would have happened without the action only if it followed the treated "
       "area's trend before."),
)


def _change(_: Tr, c: Counts) -> str:
    if c.before == 0:
        return _("from none to {after}", after=_.int(c.after))
    share = (c.after - c.before) / c.before
    if share < 0:
        return _("fell by {pct}", pct=_.pct(-share, 0))
    if share > 0:
        return _("rose by {pct}", pct=_.pct(share, 0))
    return _("did not change")


def verdict(e: Effects, *, lang: str = "en") -> list[str]:
    """The result as sentences: the change against the control, chance, displacement, then the limits."""
    _ = Tr(lang)
    lines = [_("Incidents {treated} in the treated area and {control} in the control area.",
               treated=_change(_, e.treated), control=_change(_, e.control))]
    if e.p is None:
        lines.append(_("There are no incidents to compare."))
    else:
        def bound(x: float) -> str:
            n = _.int(abs(round(x)))
            return _("{n} fewer", n=n) if x >= 0 else _("{n} more", n=n)

        fewer, low, high = -e.wdd, -e.ci[1], -e.ci[0]
        what = (_.plural("about {n} fewer incident than the control's trend predicts",
                         "about {n} fewer incidents than the control's trend predicts", round(fewer)) if fewer >= 0
                else _.plural("about {n} more incident than the control's trend predicts",
                              "about {n} more incidents than the control's trend predicts", round(-fewer)))
        lines.append(_("In the treated area and its ring together: {what} ({level} confidence interval: from {low} "
                       "to {high}; weighted displacement difference, WDD).", what=what, level=_.pct(1 - e.alpha, 0),
                       low=bound(low), high=bound(high)))
        if e.area_weights != (1.0, 1.0, 1.0, 1.0):
            lines.append(_("Counts compared per area of the treated area's size: the control and the ring are "
                           "{control} and {ring} times as large.", control=_.num(e.area_weights[0], 1),
                           ring=_.num(e.area_weights[3], 1)))
        if e.p < e.alpha:
            lines.append(_("The difference is unlikely to be chance (p = {p}).", p=_.num(e.p, 3)))
        else:
            lines.append(_("The difference could be chance (p = {p}).", p=_.num(e.p, 3)))
    if e.displacement is not None:
        if e.wdq is None:
            lines.append(_("Displacement into the ring cannot be judged from these counts."))
        elif e.success is not None and e.success < 0 and e.wdq > 0:
            lines.append(_("No sign of displacement: the ring around the area fell too (diffusion of benefits; "
                           "WDQ {wdq}).", wdq=_.num(e.wdq, 2)))
        elif e.success is not None and e.success < 0 and e.wdq < 0:
            lines.append(_("Some incidents may have moved into the ring around the area (displacement; WDQ {wdq}).",
                           wdq=_.num(e.wdq, 2)))
        else:
            lines.append(_("The treated area did not improve against the control, so displacement does not arise "
                           "(WDQ {wdq}).", wdq=_.num(e.wdq, 2)))
    if e.tne is not None:
        lines.append(_("Total net effect: {n} incidents prevented (negative: added), ring included.",
                       n=_.num(e.tne, 1)))
    lines += [_.message(n) for n in e.notes]
    return lines


def limits(*, lang: str = "en") -> list[str]:
    """What the design cannot tell, in ``lang``."""
    _ = Tr(lang)
    return [_(text) for text in LIMITS]


def question(name: str, *, lang: str = "en") -> str:
    """The page's and the pack's heading: "Did “Kelechek police station” help?"."""
    _ = Tr(lang)
    return _("Did “{name}” help?", name=name)


def setting(ev: Evaluation, *, started: dt.date, lang: str = "en", names: Mapping[str, str] | None = None) -> str:
    """When it started, the two periods and the control, in one sentence (the page's caption, the pack's lead).

    ``names`` maps the settlements' stored names to the reader's (:func:`geo.i18n.place_names`).
    """
    _ = Tr(lang)
    p = ev.periods
    text = _("Started {date}. Before: {before}; after: {after}.", date=_.date(started),
             before=_.period(*p.label("before")), after=_.period(*p.label("after")))
    shown = ", ".join((names or {}).get(n, n) for n in ev.control)
    return text + " " + (_("Control: {names} (proposed: the most alike before).", names=shown) if ev.proposed
                         else _("Control: {names}.", names=shown))


def paragraphs(ev: Evaluation, *, started: dt.date, lang: str = "en",
               names: Mapping[str, str] | None = None) -> list[str]:
    """The pack's page: the setting, the verdict, the counts behind it and what the design cannot tell."""
    _ = Tr(lang)
    e = ev.effects
    out = [setting(ev, started=started, lang=lang, names=names), ""]
    out += ["- " + line for line in verdict(e, lang=lang)]
    out += ["- " + _.message(note) for note in ev.notes]
    out += ["", "## " + _("Incidents counted")]
    for word, counts in ((N_("Treated area"), e.treated), (N_("Displacement ring"), e.displacement),
                         (N_("Control area"), e.control)):
        if counts is not None:
            out.append("- " + _("{area}: {before} before, {after} after", area=_(word), before=_.int(counts.before),
                                after=_.int(counts.after)))
    out.append("- " + _("Weighted displacement difference (WDD) {wdd}, standard error {se}; displacement quotient "
                        "(WDQ) {wdq}.", wdd=_.num(e.wdd, 1), se=_.num(e.se, 1),
                        wdq="–" if e.wdq is None else _.num(e.wdq, 2)))
    out += ["", "## " + _("What this comparison cannot tell")] + ["- " + line for line in limits(lang=lang)]
    return out
