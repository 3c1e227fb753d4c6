"""Did it work? Interventions evaluated by before-and-after counts (issue 16).

Modules: :mod:`~geo.evaluate.effects` (the numeric core: WDD with its inference, WDQ and the total net
effect, from counts), :mod:`~geo.evaluate.areas` (the adapter: incidents counted in an intervention's
treated area, its displacement ring and a control, over aligned periods), :mod:`~geo.evaluate.verdict`
(the result in plain words, and what the design cannot tell), :mod:`~geo.evaluate.perception` (what
residents feel: survey shares with intervals, perceived against recorded).
"""

from __future__ import annotations

from geo.evaluate.areas import (DEFAULT_RADIUS, DEFAULT_RING, Evaluation, Periods, aligned_periods, evaluate,
                                index_series, propose_control, study_areas)
from geo.evaluate.effects import Counts, Effects, effects
from geo.evaluate.verdict import limits, paragraphs, question, setting, verdict

__all__ = ["DEFAULT_RADIUS", "DEFAULT_RING", "Counts", "Effects", "Evaluation", "Periods", "aligned_periods",
           "effects", "evaluate", "index_series", "limits", "paragraphs", "propose_control", "question", "setting", "study_areas",
           "verdict"]
