"""Writes ``lossjax/nn.py``: one torch.nn-style class per registered loss, as static source.

    python -m lossjax._nn_source        # rewrites lossjax/nn.py from the catalogue

The classes are written out (not made at import time) so type checkers and IDEs see each
class, its typed keyword-only options and its typed ``__call__``. Everything in them comes
from the catalogue: the name (the torch twin's, else CamelCase), the options and their
annotations and defaults (the function's signature), their descriptions (the function's
docstring). tests/test_nn.py fails when the committed file differs from what this writes.
"""

from __future__ import annotations

import inspect
import pathlib
import re

from lossjax._registry import REGISTRY
from lossjax._spec import LossSpec, class_name

HEADER = '''"""torch.nn-style loss objects: one class per registered loss. Generated, do not edit.

Written by ``python -m lossjax._nn_source`` from the catalogue (tests/test_nn.py checks it).
Each class is named after its torch.nn twin (``CrossEntropyLoss``, ``CTCLoss``, ...), or
the CamelCase of the loss's name (``dice_loss`` -> ``DiceLoss``). Constructing one binds
options (keyword-only: the loss's own options plus ``reduction``, validated at once);
calling it takes the data arguments as the torch module's ``forward`` does, plus an
optional ``where`` mask.

Examples:
  >>> import jax.numpy as jnp
  >>> from lossjax import nn
  >>> loss = nn.CrossEntropyLoss(label_smoothing=0.1)
  >>> loss
  CrossEntropyLoss(label_smoothing=0.1)
  >>> print(f"{loss(jnp.array([[2.0, 0.5, -1.0]]), jnp.array([0])):.4f}")
  0.3913

Objects are immutable, compare by their options, and are hashable (array options hash by
value when concrete), so one can be a static argument of ``jax.jit``.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
from jax.typing import ArrayLike

from lossjax._nn_base import Loss
from lossjax._spec import class_name

Array = jax.Array
'''


def _arg_docs(doc: str) -> dict[str, list[str]]:
  """Each Args entry of a Google-style docstring: name -> its lines (the first without name)."""
  doc = inspect.cleandoc(doc)
  m = re.search(r"^Args:\n(.*?)(?:\n\n|\Z)", doc, re.S | re.M)
  entries: dict[str, list[str]] = {}
  current = None
  for line in (m.group(1).splitlines() if m else []):
    head = re.match(r"^  (\w+): (.*)$", line)
    if head:
      current = head.group(1)
      entries[current] = [head.group(2)]
    elif current is not None:
      entries[current].append(line.strip())
  return entries


def _class_source(spec: LossSpec) -> str:
  name = class_name(spec)
  params = inspect.signature(spec.fn).parameters
  data = [p for p in params.values() if p.kind != p.KEYWORD_ONLY]
  options = [params[k] for k in (*spec.options, "reduction")]
  docs = _arg_docs(spec.fn.__doc__)
  twin = f": the twin of `torch.nn.{spec.torch}`" if spec.torch else ""
  lines = [f"class {name}(Loss):",
           f'  """[`{spec.name}`][lossjax.{spec.name}] with bound options{twin}.', "",
           "  Args:"]
  for p in options:
    text = docs[p.name]
    lines.append(f"    {p.name}: {text[0]}")
    lines.extend(f"      {t}" for t in text[1:])
  lines += ['  """', "", f'  _loss = "{spec.name}"', ""]
  init = ", ".join(f"{p.name}: {p.annotation} = {p.default!r}" for p in options)
  lines.append(f"  def __init__(self, *, {init}) -> None:")
  lines.append(f"    super().__init__({', '.join(f'{p.name}={p.name}' for p in options)})")
  lines.append("")
  call = []
  for p in data:
    default = "" if p.default is p.empty else f" = {p.default!r}"
    call.append(f"{p.name}: {p.annotation}{default}")
  args = ", ".join(p.name for p in data)
  lines.append(f"  def __call__(self, {', '.join(call)}, *, where: ArrayLike | None = None"
               f") -> {inspect.signature(spec.fn).return_annotation}:")
  lines.append(f"    return self._call({args}, where=where)")
  return "\n".join(lines)


def source() -> str:
  """The text of lossjax/nn.py."""
  classes = [_class_source(spec) for spec in REGISTRY.values()]
  names = ", ".join(f'"{class_name(s)}"' for s in REGISTRY.values())
  return (HEADER + "\n\n" + "\n\n\n".join(classes) + "\n\n\n"
          + f'__all__ = ["Loss", "class_name", {names}]\n')


if __name__ == "__main__":
  path = pathlib.Path(__file__).with_name("nn.py")
  path.write_text(source())
  print(f"wrote {path}")
