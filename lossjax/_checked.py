"""lossjax.checked: value contracts enforced inside jit and vmap, on request."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import jax
from jax.experimental import checkify

from lossjax._core import CHECKED_MODE, CheckError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["CheckError", "checked"]


def checked(fn: F) -> F:
  """Wraps ``fn`` (jitted or not) so lossjax's value contracts hold inside it.

  XLA cannot raise at run time, so by default a wrong class index inside
  ``jit`` silently becomes NaN, as it does in optax (optax #1185). Under
  ``checked``, every value check that lossjax makes on concrete inputs also
  runs inside ``jit`` and ``vmap``: class indices, probabilities in [0, 1],
  non-negative variances, and so on. It is built on
  ``jax.experimental.checkify``. A violation raises [`CheckError`][lossjax.CheckError], a
  ``ValueError`` whose message names the loss, the argument and the offending
  value. Without ``checked``, the compiled program contains no check at all.

  Call the wrapped function outside ``jit``. The function it wraps may itself
  be jitted: it is traced again with the checks.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> step = lj.checked(jax.jit(lj.cross_entropy))
    >>> step(jnp.zeros((2, 10)), jnp.array([3, 42]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lossjax.CheckError: cross_entropy: argument `target` holds 42, expected class indices in [0, 10) ...
  """
  checkified = checkify.checkify(fn, errors=checkify.user_checks)

  @functools.wraps(fn)
  def wrapper(*args: Any, **kwargs: Any) -> Any:
    with CHECKED_MODE(True):
      err, out = checkified(*args, **kwargs)
    if any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree.leaves(out)):
      raise TypeError(
          "lossjax.checked: call the checked function outside jit (the function it wraps "
          "may itself be jitted); XLA cannot raise from inside a compiled program"
      )
    message = err.get()
    if message is not None:
      # checkify appends " (`check` failed)" and where; keep lossjax's sentence.
      raise CheckError(message.split(" (`check` failed)")[0])
    return out

  return wrapper  # type: ignore[return-value]
