"""Preference optimisation: DPO and its variants, SimPO, ORPO and KTO."""

from lossjax.preference import objectives
from lossjax.preference.objectives import *  # noqa: F403

__all__: list[str] = []
__all__ += objectives.__all__
