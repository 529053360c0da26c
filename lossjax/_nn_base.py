"""The base of the torch.nn-style classes in ``lossjax.nn`` (that module is generated)."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import numpy as np

from lossjax import _core as core
from lossjax._registry import REGISTRY
from lossjax._spec import LossSpec

if TYPE_CHECKING:  # typing.Self is Python 3.11+; at run time the annotation is a string
  from typing_extensions import Self


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
  """Base of the ``lossjax.nn`` classes: a loss with its options bound at construction.

  Options are keyword-only and validated when the object is built, with the loss's own
  declaration. Objects are immutable, compare by their options and are hashable (array
  options by value when concrete), so one can be a static argument of ``jax.jit``.
  """

  _loss: str  # the registered loss each generated class binds

  def __new__(cls, *args: Any, **options: Any) -> Self:
    # Before __init__, so the errors speak of options rather than Python's positional
    # arguments ("takes 1 positional argument but 2 were given").
    spec = REGISTRY[cls._loss]
    allowed = (*spec.options, "reduction")
    if args:
      raise TypeError(
          f"{cls.__name__}: options are keyword-only, e.g. {cls.__name__}({allowed[0]}=...); "
          f"got {len(args)} positional argument(s)")
    unknown = sorted(set(options) - set(allowed))
    if unknown:
      raise TypeError(f"{cls.__name__}: unknown option(s) {', '.join(unknown)}; "
                      f"expected some of {', '.join(sorted(allowed))}")
    return super().__new__(cls)

  def __init__(self, **options: Any) -> None:
    name = type(self).__name__
    declaration = self.spec.declaration
    core.validate_reduction(name, options["reduction"], declaration.reductions[3:],
                            declaration.whole_batch_reason(options))
    validated = {k: declaration.options[k].validate(name, k, v) if k in declaration.options else v
                 for k, v in options.items()}
    object.__setattr__(self, "_options", validated)

  @property
  def spec(self) -> LossSpec:
    return REGISTRY[self._loss]

  def _call(self, *args: Any, where: Any = None) -> Any:
    return self.spec.fn(*args, where=where, **self._options)

  @property
  def options(self) -> dict[str, Any]:
    return dict(self._options)

  def __setattr__(self, name: str, value: Any) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable; build a new one")

  def __repr__(self) -> str:
    defaults = {k: p.default for k, p in inspect.signature(self.spec.fn).parameters.items()}
    shown = {k: v for k, v in self._options.items()
             if not (isinstance(v, (bool, int, float, str, type(None))) and v == defaults.get(k)
                     and type(v) is type(defaults.get(k)))}
    return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

  def _key(self) -> tuple:
    return (type(self), tuple(sorted((k, _freeze(v)) for k, v in self._options.items())))

  def __eq__(self, other: object) -> bool:
    return isinstance(other, Loss) and self._key() == other._key()

  def __hash__(self) -> int:
    return hash(self._key())
