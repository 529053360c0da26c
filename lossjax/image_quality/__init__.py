"""Image quality: SSIM, MS-SSIM, PSNR and total variation as losses."""

from lossjax.image_quality import fidelity
from lossjax.image_quality.fidelity import *  # noqa: F403

__all__: list[str] = []
__all__ += fidelity.__all__
