"""The catalogue: one list of every public loss, collected from the family modules.

The test suite, the CLI listing and the README table are all driven from it.
A new loss is written in its family module, named in that module's
``__all__`` and described in its ``SPECS``; every generic test then applies.
"""

from __future__ import annotations

import importlib

from lossjax._spec import LossSpec

#: The family modules, in catalogue order. A module lists its public losses in
#: ``__all__`` and their catalogue entries in ``SPECS``.
MODULES = (
    "_classification",
    "_multilabel",
    "_regression",
    "_forecasting",
    "_probabilistic",
    "_margin",
    "_fenchel_young",
    "_embedding",
    "_sequence",
    "_segmentation",
    "_segmentation_extra",
    "_ranking",
    "_contrastive",
    "_self_supervised",
    "_metric",
    "_metric_batch",
    "_detection",
    "_image",
    "_large_vocab",
    "_moe",
    "_preference",
    "_distillation",
    "_policy",
)

REGISTRY: dict[str, LossSpec] = {
    spec.name: spec
    for module in MODULES
    for spec in importlib.import_module(f"lossjax.{module}").SPECS
}

FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(spec.family for spec in REGISTRY.values()))


def get(name: str) -> LossSpec:
  try:
    return REGISTRY[name]
  except KeyError:
    raise KeyError(f"no loss named {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


def markdown_table() -> str:
  """The README's catalogue table, generated from the registry."""
  from lossjax._nn_base import class_name

  rows = [
      "| loss | family | `lossjax.nn` | PyTorch twin or reference | options |",
      "| --- | --- | --- | --- | --- |",
  ]
  for family in FAMILIES:  # each family once
    for spec in (s for s in REGISTRY.values() if s.family == family):
      twin = f"`torch.nn.{spec.torch}`" if spec.torch else (spec.source or "—")
      opts = ", ".join(f"`{o}`" for o in spec.options) or "—"
      rows.append(f"| `{spec.name}` | {family} | `{class_name(spec)}` | {twin} | {opts} |")
  return "\n".join(rows)
