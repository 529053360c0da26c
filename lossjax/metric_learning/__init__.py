"""Metric learning: margin softmax for recognition, pair-based losses and proxy losses."""

from lossjax.metric_learning import margin_softmax, pairs, proxies
from lossjax.metric_learning.margin_softmax import *  # noqa: F403
from lossjax.metric_learning.pairs import *  # noqa: F403
from lossjax.metric_learning.proxies import *  # noqa: F403

__all__: list[str] = []
__all__ += margin_softmax.__all__
__all__ += pairs.__all__
__all__ += proxies.__all__
