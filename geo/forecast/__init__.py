"""Which map predicts next month best: hot-spot methods scored on held-out months.

Modules: :mod:`~geo.forecast.accuracy` (the numeric core: hit rate, PAI and PEI of a map of scores
against the counts that followed, at shares of the area, with the boundary-tie rule) and
:mod:`~geo.forecast.rolling` (each method's map from a training window, the rolling evaluation over the
data's months, the summary and the recommendation; the registry :data:`~geo.forecast.rolling.METHODS`
takes further methods, such as the emerging-hot-spot map).
"""

from __future__ import annotations

from geo.forecast.accuracy import CURVE_SHARES, SHARES, accuracy, best_captured, captured, cells_for
from geo.forecast.rolling import (METHODS, Forecast, Grid, Method, Window, best_method, forecast_accuracy, gistar_score,
                                  kde_score, last_period_score, prospective_score, rolling_accuracy, summarize)

__all__ = ["CURVE_SHARES", "METHODS", "SHARES", "Forecast", "Grid", "Method", "Window", "accuracy", "best_captured",
           "best_method", "captured", "cells_for", "forecast_accuracy", "gistar_score", "kde_score",
           "last_period_score", "prospective_score", "rolling_accuracy", "summarize"]
