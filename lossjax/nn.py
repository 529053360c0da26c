"""torch.nn-style loss objects, generated from the catalogue (never written one by one).

Each registered loss gets a class: its torch.nn name where it has a torch twin
(``CrossEntropyLoss``, ``CTCLoss``, ...), otherwise the CamelCase of its name
(``dice_loss`` -> ``DiceLoss``). Constructing one binds options (keyword-only,
the loss's own option names plus ``reduction``); calling it takes the data
arguments exactly as the torch module's ``forward`` does, plus an optional
``where`` mask:

Examples:
  >>> import jax.numpy as jnp
  >>> from lossjax import nn
  >>> loss = nn.CrossEntropyLoss(label_smoothing=0.1)
  >>> loss
  CrossEntropyLoss(label_smoothing=0.1)
  >>> print(f"{loss(jnp.array([[2.0, 0.5, -1.0]]), jnp.array([0])):.4f}")
  0.3913

Objects are immutable, compare by their options, and are hashable (array
options hash by value when concrete), so one can be a static argument of
``jax.jit``.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from lossjax import _core as core
from lossjax._registry import REGISTRY
from lossjax._spec import LossSpec


def _freeze(value: Any) -> Any:
  """A hashable stand-in for an option value (concrete arrays by value)."""
  if hasattr(value, "shape") and hasattr(value, "dtype"):
    try:
      a = np.asarray(value)
    except Exception:  # a tracer: hash by identity
      return ("array-id", id(value))
    return ("array", a.dtype.str, a.shape, a.tobytes())
  try:
    hash(value)
  except TypeError:
    return ("id", id(value))
  return value


class Loss:
  """Base of the generated classes: options bound at construction."""

  spec: LossSpec  # set on each generated class

  def __init__(self, *args: Any, **options: Any) -> None:
    name = type(self).__name__
    allowed = set(self.spec.options) | {"reduction"}
    if args:
      raise TypeError(
          f"{name}: options are keyword-only, e.g. {name}("
          f"{next(iter(sorted(allowed - {'reduction'})), 'reduction')}=...); got {len(args)} "
          "positional argument(s)")
    unknown = sorted(set(options) - allowed)
    if unknown:
      raise TypeError(
          f"{name}: unknown option(s) {', '.join(unknown)}; "
          f"expected some of {', '.join(sorted(allowed))}"
      )
    # Validated now, with the loss's own declaration, so a bad option fails at construction.
    declaration = self.spec.declaration
    if "reduction" in options:
      core.validate_reduction(name, options["reduction"], declaration.reductions[3:])
    validated = {k: declaration.options[k].validate(name, k, v) if k in declaration.options else v
                 for k, v in options.items()}
    object.__setattr__(self, "_options", validated)

  def __call__(self, *args: Any, where: Any = None) -> Any:
    return self.spec.fn(*args, where=where, **self._options)

  @property
  def options(self) -> dict[str, Any]:
    return dict(self._options)

  def __setattr__(self, name: str, value: Any) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable; build a new one")

  def __repr__(self) -> str:
    opts = ", ".join(f"{k}={v!r}" for k, v in self._options.items())
    return f"{type(self).__name__}({opts})"

  def _key(self) -> tuple:
    return (type(self), tuple(sorted((k, _freeze(v)) for k, v in self._options.items())))

  def __eq__(self, other: object) -> bool:
    return isinstance(other, Loss) and self._key() == other._key()

  def __hash__(self) -> int:
    return hash(self._key())


def class_name(spec: LossSpec) -> str:
  return spec.torch or "".join(part.capitalize() for part in spec.name.split("_"))


def _make_class(spec: LossSpec) -> type[Loss]:
  fn_params = inspect.signature(spec.fn).parameters
  init_params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + [
      fn_params[name].replace(kind=inspect.Parameter.KEYWORD_ONLY)
      for name in (*spec.options, "reduction")
  ]
  call_params = [p for p in fn_params.values() if p.kind != p.KEYWORD_ONLY]
  call_params.append(fn_params["where"])
  name = class_name(spec)
  cls = type(name, (Loss,), {
      "spec": spec,
      "__module__": __name__,
      "__qualname__": name,
      "__doc__": (
          f"``lossjax.{spec.name}`` with bound options"
          + (f" (the twin of ``torch.nn.{spec.torch}``)" if spec.torch else "")
          + f".\n\nOptions: {', '.join((*spec.options, 'reduction'))}. "
          f"Call: ``{name}(...)({', '.join(p.name for p in call_params)})``."
      ),
  })
  cls.__init__ = _init_with_signature(inspect.Signature(init_params))
  return cls


def _init_with_signature(signature: inspect.Signature):
  def __init__(self, *args, **options):
    Loss.__init__(self, *args, **options)

  __init__.__signature__ = signature
  return __init__


_CLASSES = {class_name(spec): _make_class(spec) for spec in REGISTRY.values()}
globals().update(_CLASSES)

__all__ = ["Loss", *_CLASSES]
