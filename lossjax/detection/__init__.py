"""Detection: box regression losses on IoU (plain, generalised, distance, complete)."""

from lossjax.detection import boxes
from lossjax.detection.boxes import *  # noqa: F403

__all__: list[str] = []
__all__ += boxes.__all__
