"""Classification: cross-entropy and its relatives through a softmax, binary
cross-entropy and the sigmoid focal loss, and multi-label asymmetric losses."""

from lossjax.classification import binary, multilabel, softmax
from lossjax.classification.binary import *  # noqa: F403
from lossjax.classification.multilabel import *  # noqa: F403
from lossjax.classification.softmax import *  # noqa: F403

__all__: list[str] = []
__all__ += binary.__all__
__all__ += multilabel.__all__
__all__ += softmax.__all__
