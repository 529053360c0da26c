"""Regression: pointwise losses on predictions and targets (torch's MSE, L1, smooth L1,
Huber and the robust ones) and forecasting losses (quantile, deviances, CRPS, Barron)."""

from lossjax.regression import forecasting, pointwise
from lossjax.regression.forecasting import *  # noqa: F403
from lossjax.regression.pointwise import *  # noqa: F403

__all__: list[str] = []
__all__ += forecasting.__all__
__all__ += pointwise.__all__
