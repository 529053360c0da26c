"""The catalogue: one list of every public loss, collected from the family modules.

The test suite, the CLI listing and the README table are all driven from it.
A new loss is written in its family module and added to that module's
``SPECS``; every generic test then applies to it.
"""

from __future__ import annotations

from lossjax import _classification, _probabilistic, _regression
from lossjax._spec import LossSpec

FAMILIES = ("classification", "regression", "probabilistic")

REGISTRY: dict[str, LossSpec] = {
    spec.name: spec
    for module in (_classification, _regression, _probabilistic)
    for spec in module.SPECS
}


def get(name: str) -> LossSpec:
  try:
    return REGISTRY[name]
  except KeyError:
    raise KeyError(f"no loss named {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


def markdown_table() -> str:
  """The README's catalogue table, generated from the registry."""
  rows = [
      "| loss | family | PyTorch twin | options |",
      "| --- | --- | --- | --- |",
  ]
  for spec in REGISTRY.values():
    twin = f"`torch.nn.{spec.torch}`" if spec.torch else (spec.source or "—")
    opts = ", ".join(f"`{o}`" for o in spec.options) or "—"
    rows.append(f"| `{spec.name}` | {spec.family} | {twin} | {opts} |")
  return "\n".join(rows)
