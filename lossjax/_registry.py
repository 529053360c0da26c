"""The catalogue: one list of every public loss, collected from the family packages.

The test suite, the CLI listing and the README table are all driven from it.
A new loss is written in a module of its family's package (``lossjax/<family>/<concept>.py``),
named in that module's ``__all__`` and described in its ``SPECS``; every generic test then
applies. The module list is derived: every module of every family package that has ``SPECS``,
in alphabetical order.
"""

from __future__ import annotations

import importlib
import pathlib
import pkgutil
from types import ModuleType

from lossjax._spec import LossSpec, class_name


def _family_packages() -> list[str]:
  here = pathlib.Path(__file__).parent
  return sorted(m.name for m in pkgutil.iter_modules([str(here)])
                if m.ispkg and not m.name.startswith("_"))


def _loss_modules() -> list[ModuleType]:
  modules = []
  for family in _family_packages():
    package = importlib.import_module(f"lossjax.{family}")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
      module = importlib.import_module(f"lossjax.{family}.{info.name}")
      if hasattr(module, "SPECS"):
        modules.append(module)
  return modules


#: The family modules that declare losses, in catalogue order.
MODULES: tuple[ModuleType, ...] = tuple(_loss_modules())

REGISTRY: dict[str, LossSpec] = {spec.name: spec for module in MODULES for spec in module.SPECS}

FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(spec.family for spec in REGISTRY.values()))


def get(name: str) -> LossSpec:
  try:
    return REGISTRY[name]
  except KeyError:
    raise KeyError(f"no loss named {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


def markdown_table() -> str:
  """The README's catalogue table, generated from the registry."""
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
