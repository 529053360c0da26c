"""Sequence losses over alignments: CTC and the RNN transducer."""

from lossjax.sequence import ctc, rnnt
from lossjax.sequence.ctc import *  # noqa: F403
from lossjax.sequence.rnnt import *  # noqa: F403

__all__: list[str] = []
__all__ += ctc.__all__
__all__ += rnnt.__all__
