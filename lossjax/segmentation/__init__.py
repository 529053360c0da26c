"""Segmentation: overlap losses (Dice, Jaccard, Tversky), Lovász extensions, compound
losses (Dice with cross-entropy or focal) and distance-weighted losses (Hausdorff, boundary)."""

from lossjax.segmentation import compound, distance, lovasz, overlap
from lossjax.segmentation.compound import *  # noqa: F403
from lossjax.segmentation.distance import *  # noqa: F403
from lossjax.segmentation.lovasz import *  # noqa: F403
from lossjax.segmentation.overlap import *  # noqa: F403

__all__: list[str] = []
__all__ += compound.__all__
__all__ += distance.__all__
__all__ += lovasz.__all__
__all__ += overlap.__all__
