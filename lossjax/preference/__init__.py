"""Preference optimisation: DPO and its variants, CPO, SimPO, ORPO and KTO."""

from lossjax.preference import dpo, kto, reference_free
from lossjax.preference.dpo import *  # noqa: F403
from lossjax.preference.kto import *  # noqa: F403
from lossjax.preference.reference_free import *  # noqa: F403

__all__: list[str] = []
__all__ += dpo.__all__
__all__ += reference_free.__all__
__all__ += kto.__all__
