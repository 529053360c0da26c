"""Generative models: diffusion and flow-matching objectives, GAN losses and penalties, VAE
objectives."""

from lossjax.generative import diffusion, flow_matching, gan, vae
from lossjax.generative.diffusion import *  # noqa: F403
from lossjax.generative.flow_matching import *  # noqa: F403
from lossjax.generative.gan import *  # noqa: F403
from lossjax.generative.vae import *  # noqa: F403

__all__: list[str] = []
__all__ += diffusion.__all__
__all__ += flow_matching.__all__
__all__ += gan.__all__
__all__ += vae.__all__
