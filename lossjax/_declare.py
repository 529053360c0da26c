"""Each loss declares its data arguments' roles and its options' types once, beside it.

    @declare(input=FLOAT, target=REAL, weight=FloatArray(), beta=Float(lo=0))
    def smooth_l1_loss(input, target, *, weight=None, beta=1.0, reduction="mean", where=None):
      ...

`declare` wraps the loss in the one validator every loss goes through. Before
the loss's own code runs, it

* binds the call to the signature (an option passed by position is a
  ``TypeError`` that says options are keyword-only);
* checks ``reduction`` against the loss's reductions;
* converts each data argument to a ``jax.Array`` and checks its dtype against
  its role (`FLOAT`: a floating dtype; `REAL`: bool, integer or
  floating, never complex; `INDEX` / `INT`: an integer dtype);
* checks each option against its declared type and range: a bool option takes
  a Python or numpy bool; a number is a static Python or numpy number, finite
  (unless declared otherwise) and in range; a choice is one of its values; an
  array option is a real array of the declared kind.

Every error names the loss, the argument, the value seen and what was
expected. A wrong type raises `OptionTypeError`, which is both a
``ValueError`` (lossjax's one error type for bad input) and a ``TypeError``.

The declaration is kept on the function (``fn.declaration``): the catalogue,
``lossjax.nn`` and the tests read it, so a new option is validated, documented
and swept with bad values by the generic tests without anyone remembering to.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from lossjax import _core as core


class OptionTypeError(ValueError, TypeError):
  """An argument of the wrong type: a ValueError (lossjax's error for bad input) and a TypeError."""


OptionTypeError.__module__ = "lossjax"


def _show(value: Any) -> str:
  text = repr(value)
  return text if len(text) <= 60 else text[:57] + "..."


def _type_error(loss: str, arg: str, value: Any, expected: str) -> OptionTypeError:
  return OptionTypeError(
      f"{loss}: argument `{arg}`: got {_show(value)} ({type(value).__name__}), expected {expected}")


def _is_tracer(value: Any) -> bool:
  return isinstance(value, jax.core.Tracer)


# --------------------------------------------------------------------------
# Data arguments
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Role:
  """How a data argument is converted, what dtype it must have, and its shape contract.

  kind: "float" (a floating dtype), "real" (bool, integer or floating),
  "index" (integer class indices), "target" (class indices, or class
  probabilities / soft labels when floating), "int" (integers that are not
  class indices: lengths, group labels), or "any" (passed through
  unconverted: the loss handles it, e.g. a variance that may be a Python
  float).

  The shape contract, checked by the wrapper before the loss's body runs:
  ``min_rank`` (with ``shape`` saying in words what is expected, e.g.
  ``"[..., D]"``), the size of the ``last`` axis, ``nonempty`` axes, and ``like``: the name of an earlier data argument
  whose shape this one must have exactly (lossjax never broadcasts a target).
  """

  kind: str
  optional: bool = False
  #: Axes that must not be empty (a loss over zero features, members or channels is not
  #: defined): checked where the argument has them.
  nonempty: tuple[int, ...] = ()
  min_rank: int = 0
  shape: str | None = None
  like: str | None = None
  last: int | None = None  # the size its last axis must have (4 box coordinates)
  #: The data argument this one holds one class index for, per element (that argument's shape
  #: without its class axis, the option ``axis`` where the loss has one, else the last).
  indices_of: str | None = None
  #: The data argument this one holds one entry for per row (per sample of a [N, ...] batch).
  rows_of: str | None = None

  def non_empty(self, *axes: int) -> Role:
    """This role, with `axes` required to be non-empty."""
    return dataclasses.replace(self, nonempty=axes)

  def at_least(self, rank: int, shape: str) -> Role:
    """This role, with at least `rank` axes (`shape`: what is expected, in words)."""
    return dataclasses.replace(self, min_rank=rank, shape=shape)

  def ending_in(self, size: int, shape: str) -> Role:
    """This role, with a last axis of exactly `size` (`shape`: what is expected, in words)."""
    return dataclasses.replace(self, min_rank=1, last=size, shape=shape)

  def class_indices_of(self, arg: str) -> Role:
    """This role, holding one class index per element of data argument `arg`."""
    return dataclasses.replace(self, indices_of=arg)

  def one_per_row_of(self, arg: str) -> Role:
    """This role, of shape ``(N,)`` for data argument `arg` of shape ``(N, ...)``."""
    return dataclasses.replace(self, rows_of=arg)

  def same_as(self, arg: str) -> Role:
    """This role, with exactly data argument `arg`'s shape."""
    return dataclasses.replace(self, like=arg)

  def convert(self, loss: str, arg: str, value: Any) -> Any:
    if value is None and self.optional:
      return None
    if self.kind == "any":
      return value
    x = core.as_array(loss, arg, value)
    if self.kind == "float":
      core.check_float(loss, arg, x)
    elif self.kind in ("index", "int"):
      core.check_int(loss, arg, x)
    else:
      core.check_real(loss, arg, x)
    if self.last is not None and x.ndim and x.shape[-1] != self.last:
      raise ValueError(f"{loss}: argument `{arg}` has shape {x.shape}, expected {self.shape}")
    core.check_min_rank(loss, arg, x, self.min_rank, self.shape or f"rank >= {self.min_rank}")
    for axis in self.nonempty:
      if -x.ndim <= axis < x.ndim and x.shape[axis] == 0:
        raise ValueError(f"{loss}: argument `{arg}` has shape {x.shape}, expected a non-empty "
                         f"axis {axis}")
    return x

  def relate(self, loss: str, arg: str, x: Any, given: Mapping[str, Any], axis: int) -> None:
    """Checks `x` against the data argument it is declared to relate to (`axis`: the loss's
    class axis)."""
    if x is None:
      return
    if self.like is not None and given.get(self.like) is not None:
      core.check_same_shape(loss, arg, x, self.like, given[self.like])
    if self.indices_of is not None and given.get(self.indices_of) is not None:
      check = core.check_class_target if self.kind == "target" else core.check_class_indices_shape
      check(loss, arg, x, given[self.indices_of], self.indices_of, axis)
    ref = given.get(self.rows_of) if self.rows_of is not None else None
    if ref is not None and getattr(ref, "ndim", 0):
      core.check_shape(loss, arg, x, ref.shape[:1], f" (one per row of `{self.rows_of}`)")


FLOAT = Role("float")
REAL = Role("real")
INDEX = Role("index")
TARGET = Role("target")
INT = Role("int")
ANY = Role("any")


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


class Option:
  """An option's declared type and range; `validate` returns the value to use."""

  optional: bool = False

  def validate(self, loss: str, arg: str, value: Any) -> Any:
    raise NotImplementedError

  def expected(self) -> str:
    """What a valid value is, in words (error messages and docs)."""
    raise NotImplementedError

  def bad_values(self) -> list[Any]:
    """Values a careless user might pass that must be rejected (the generic tests sweep them)."""
    return ["nonsense", [1]] + ([] if self.optional else [None])

  def relate(self, loss: str, arg: str, value: Any, given: Mapping[str, Any], first: str) -> None:
    """Checks a validated value against the converted data arguments (`first`: the loss's
    first data argument): an axis against a rank, an index against a size. Default: nothing."""


@dataclasses.dataclass(frozen=True)
class Bool(Option):
  """True or False (a Python or numpy bool; not 0/1, not a string)."""

  def validate(self, loss, arg, value):
    if isinstance(value, (bool, np.bool_)):
      return bool(value)
    raise _type_error(loss, arg, value, "a bool (True or False)")

  def expected(self):
    return "a bool"

  def bad_values(self):
    return ["False", [True], 1, 0.0, float("nan"), -1.0, 1e30, None]


def _number(loss: str, arg: str, value: Any, expected: str, integral: bool) -> Any:
  """A static Python/numpy number (or concrete 0-d array) from `value`, else an error."""
  if isinstance(value, (bool, np.bool_)):
    raise _type_error(loss, arg, value, expected)
  if _is_tracer(value):
    raise _type_error(
        loss, arg, value,
        f"{expected}, known when the loss is traced (a static Python number, not a traced array)")
  if not isinstance(value, numbers.Number):
    a = np.asarray(value) if isinstance(value, (np.ndarray, jax.Array)) else None
    if a is None or a.ndim != 0 or a.dtype.kind not in ("iu" if integral else "iuf"):
      raise _type_error(loss, arg, value, expected)
    value = a.item()
  if integral and not isinstance(value, numbers.Integral):
    if isinstance(value, numbers.Real) and not math.isfinite(value):
      raise core.option_error(loss, arg, f"got {value}, expected {expected}")
    raise _type_error(loss, arg, value, expected)
  if not isinstance(value, numbers.Real):  # complex
    raise _type_error(loss, arg, value, expected)
  return value


def _range_text(lo, hi, lo_open, hi_open) -> str:
  if lo is not None and hi is not None:
    return f"in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
  if lo is not None:
    return f"{'>' if lo_open else '>='} {lo}"
  if hi is not None:
    return f"{'<' if hi_open else '<='} {hi}"
  return ""


@dataclasses.dataclass(frozen=True)
class Float(Option):
  """A finite real number (``allow_inf``: ±inf too), optionally in a range."""

  lo: float | None = None
  hi: float | None = None
  lo_open: bool = False
  hi_open: bool = False
  optional: bool = False
  allow_inf: bool = False
  message: str | None = None  # torch's wording for an out-of-range value, where it has one
  gap: tuple[float, float] | None = None  # an open interval excluded from the range
  #: Whether the value may be a traced array (a hyperparameter swept with ``vmap``, scheduled
  #: or learned under ``jit``). False only where the value selects the computation.
  traced: bool = True

  def expected(self):
    text = "a finite number" if not self.allow_inf else "a number"
    rng = _range_text(self.lo, self.hi, self.lo_open, self.hi_open)
    if self.gap is not None:
      rng = f"{rng} not in ({self.gap[0]}, {self.gap[1]})".strip()
    return f"{text} {rng}".strip() + (" or None" if self.optional else "")

  def static(self) -> Float:
    """This option, required to be a Python number when the loss is traced: for a value that
    selects the computation (a formula, a kernel's constant)."""
    return dataclasses.replace(self, traced=False)

  def out_of_range(self, v: Any) -> Any:
    """Where `v` (a numpy or jax array) is not a valid value: written with array operators
    only, so the same predicate checks a concrete value and poisons a traced one."""
    bad = v != v  # NaN
    if not self.allow_inf:
      bad = bad | (v == float("inf")) | (v == -float("inf"))
    if self.lo is not None:
      bad = bad | ((v <= self.lo) if self.lo_open else (v < self.lo))
    if self.hi is not None:
      bad = bad | ((v >= self.hi) if self.hi_open else (v > self.hi))
    if self.gap is not None:
      bad = bad | ((v > self.gap[0]) & (v < self.gap[1]))
    return bad

  def validate(self, loss, arg, value):
    if value is None and self.optional:
      return None
    if _is_tracer(value):
      return self._traced(loss, arg, value)
    v = float(_number(loss, arg, value, self.expected(), integral=False))
    if math.isnan(v) or (math.isinf(v) and not self.allow_inf):
      raise core.option_error(loss, arg, f"got {v}, expected {self.expected()}")
    if self.out_of_range(v):
      detail = self.message.format(value=v) if self.message else f"expected {self.expected()}"
      raise core.option_error(loss, arg, f"got {v}: {detail}")
    return v

  def _traced(self, loss: str, arg: str, value: Any) -> Any:
    """A traced hyperparameter (swept by ``vmap``, scheduled or learned inside ``jit``,
    differentiated by ``grad``): a 0-d real array. Its value is checked where it is known
    (under ``grad`` or ``vmap`` outside ``jit``: every swept value); inside ``jit`` the
    `declare` wrapper makes an out-of-range value give NaN, and `lossjax.checked` raises."""
    if not self.traced:
      raise _type_error(
          loss, arg, value,
          f"{self.expected()}, known when the loss is traced (a static Python number: "
          "it selects the computation)")
    dtype = np.dtype(value.dtype)
    if value.ndim != 0 or dtype.kind not in "iuf":
      raise _type_error(loss, arg, value, f"{self.expected()} (a 0-d real array when traced, "
                        f"got shape {tuple(value.shape)} and dtype {dtype})")
    core.check_values(loss, arg, value, self.out_of_range, self.expected())
    return value

  def bad_values(self):
    bad = super().bad_values() + ["0.1", True, float("nan"), 1j]
    if not self.allow_inf:
      bad += [float("inf"), -float("inf")]
    if self.lo is not None:
      bad.append(self.lo if self.lo_open else self.lo - 1.0)
    if self.hi is not None:
      bad.append(self.hi if self.hi_open else self.hi + 1.0)
    if self.gap is not None:
      bad.append((self.gap[0] + self.gap[1]) / 2)
    return bad


@dataclasses.dataclass(frozen=True)
class Int(Option):
  """An integer (Python or numpy; not a bool, not 1.5), optionally in a range."""

  lo: int | None = None
  hi: int | None = None
  optional: bool = False
  message: str | None = None
  odd: bool = False  # e.g. a window that has a centre
  among: tuple[int, ...] | None = None  # the only values allowed
  #: (data argument, axis): the value is bounded by that axis's size n: "index" in [0, n),
  #: "signed" in [-n, n), "count" at most n. `size_message` (with {value} and {size}) words it.
  size_of: tuple[str, int] | None = None
  size_rule: str = "index"
  size_message: str | None = None

  def relate(self, loss, arg, value, given, first):
    if self.size_of is None or value is None or given.get(self.size_of[0]) is None:
      return
    data, axis = self.size_of
    x = given[data]
    if not -x.ndim <= axis < x.ndim:
      return  # the data argument's own rank check speaks first
    n = x.shape[axis]
    lo, hi = {"index": (0, n - 1), "signed": (-n, n - 1), "count": (self.lo, n)}[self.size_rule]
    if not lo <= value <= hi:
      detail = (self.size_message.format(value=value, size=n) if self.size_message else
                f"expected an integer in [{lo}, {hi}] (axis {axis} of `{data}` has size {n})")
      raise core.option_error(loss, arg, detail)

  def expected(self):
    if self.among is not None:
      return "one of " + ", ".join(map(str, self.among)) + (" or None" if self.optional else "")
    rng = _range_text(self.lo, self.hi, False, False)
    return (f"an {'odd ' if self.odd else ''}integer {rng}".strip()
            + (" or None" if self.optional else ""))

  def validate(self, loss, arg, value):
    if value is None and self.optional:
      return None
    v = int(_number(loss, arg, value, self.expected(), integral=True))
    if ((self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi)
        or (self.odd and v % 2 == 0) or (self.among is not None and v not in self.among)):
      detail = self.message.format(value=v) if self.message else f"expected {self.expected()}"
      raise core.option_error(loss, arg, f"got {v}: {detail}")
    return v

  def bad_values(self):
    bad = super().bad_values() + ["3", 1.5, float("nan"), True]
    if self.lo is not None:
      bad.append(self.lo - 1)
    if self.hi is not None:
      bad.append(self.hi + 1)
    if self.odd:
      bad.append((self.lo or 0) + (self.lo or 0) % 2)  # the smallest even value in range
    if self.among is not None:
      bad.append(max(self.among) + 1)
    return bad


@dataclasses.dataclass(frozen=True)
class Axis(Int):
  """An axis of a data argument (``of``; default: the loss's first): an integer in
  ``[-rank, rank)`` of that argument, checked against its rank once the data is converted. A
  0-d or 1-D argument (one unbatched sample) is left to the loss, as torch's ``dim=1`` on a
  ``(C,)`` input."""

  of: str | None = None
  #: The lowest rank at which the axis is checked: 2 for a class axis (a 1-D input is one
  #: unbatched sample, as torch's ``dim=1`` on a ``(C,)`` input), 1 for a vector axis.
  from_rank: int = 2

  def relate(self, loss, arg, value, given, first):
    data = self.of or first
    if value is not None and given.get(data) is not None:
      self.check_rank(loss, arg, value, data, given[data])

  def check_rank(self, loss: str, arg: str, value: int, data: str, x: Any) -> None:
    rank = getattr(x, "ndim", 0)
    if rank >= self.from_rank and not -rank <= value < rank:
      raise core.option_error(
          loss, arg, f"got {value}: out of range for `{data}` of shape {tuple(x.shape)} "
          f"(expected an axis in [{-rank}, {rank - 1}])")


@dataclasses.dataclass(frozen=True)
class Choice(Option):
  """One of a few strings."""

  values: tuple[str, ...]
  optional: bool = False

  def expected(self):
    return "one of " + ", ".join(repr(v) for v in self.values) + (" or None" if self.optional else "")

  def validate(self, loss, arg, value):
    if value is None and self.optional:
      return None
    if isinstance(value, str) and value in self.values:
      return value
    raise core.option_error(loss, arg, f"got {_show(value)}, expected {self.expected()}")

  def bad_values(self):
    return super().bad_values() + [3, self.values[0].upper() + "?"]


@dataclasses.dataclass(frozen=True)
class Choices(Option):
  """One of a few strings, or several of them at once (a tuple or list, no repeats): the
  losses a trainer combines (TRL's ``loss_type=["sigmoid", "sft"]``). Validates to a tuple."""

  values: tuple[str, ...]

  def expected(self):
    return ("one of " + ", ".join(repr(v) for v in self.values)
            + ", or a non-empty tuple of distinct ones")

  def validate(self, loss, arg, value):
    names = (value,) if isinstance(value, str) else value
    if (isinstance(names, (tuple, list)) and names and len(set(map(str, names))) == len(names)
        and all(isinstance(v, str) and v in self.values for v in names)):
      return tuple(names)
    raise core.option_error(loss, arg, f"got {_show(value)}, expected {self.expected()}")

  def bad_values(self):
    return super().bad_values() + [3, (), (self.values[0], self.values[0]),
                                   (self.values[0], self.values[0].upper() + "?")]


@dataclasses.dataclass(frozen=True)
class Floats(Option):
  """A non-empty tuple (or list) of static numbers, each valid for ``each``."""

  each: Float = Float()
  optional: bool = True

  def expected(self):
    return f"a non-empty tuple of numbers, each {self.each.expected()}" + (
        " or None" if self.optional else "")

  def validate(self, loss, arg, value):
    if value is None and self.optional:
      return None
    if not isinstance(value, (tuple, list)) or not value:
      raise _type_error(loss, arg, value, self.expected())
    return tuple(self.each.static().validate(loss, arg, v) for v in value)

  def bad_values(self):
    return ["nonsense", 1.0, (), ("a",)] + [(v,) for v in self.each.bad_values()
                                             if isinstance(v, float)][:2]


@dataclasses.dataclass(frozen=True)
class Function(Option):
  """A callable (e.g. a distance function)."""

  optional: bool = True

  def expected(self):
    return "a callable" + (" or None" if self.optional else "")

  def validate(self, loss, arg, value):
    if (value is None and self.optional) or callable(value):
      return value
    raise _type_error(loss, arg, value, self.expected())

  def bad_values(self):
    return ["euclidean", 3, [len]]


@dataclasses.dataclass(frozen=True)
class ArrayOption(Option):
  """An array option (class weights, a bias, labels) of a real dtype of the given kind.

  kind: "float" (a floating dtype), "int" (an integer dtype); ``scalar``: a
  Python number is accepted too, validated as a finite float.
  """

  kind: str = "float"
  optional: bool = True
  scalar: bool = False
  max_rank: int | None = None

  def expected(self):
    what = "a floating array" if self.kind == "float" else "an integer array"
    if self.max_rank is not None:
      what += f" of at most {self.max_rank} axes"
    return what + (" or a finite number" if self.scalar else "") + (" or None" if self.optional else "")

  def validate(self, loss, arg, value):
    if value is None and self.optional:
      return None
    if self.scalar and isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_)):
      return Float().validate(loss, arg, value)
    if isinstance(value, (str, bytes, bool, np.bool_)) or (
        isinstance(value, numbers.Number) and not self.scalar):
      raise _type_error(loss, arg, value, self.expected())
    x = core.as_array(loss, arg, value)
    if self.kind == "float":
      core.check_float(loss, arg, x)
    else:
      core.check_int(loss, arg, x)
    if self.max_rank is not None and x.ndim > self.max_rank:
      raise core.option_error(loss, arg, f"has shape {x.shape}, expected {self.expected()}")
    return x

  def bad_values(self):
    bad = ["nonsense", np.array([1 + 2j, 3j])] + ([] if self.optional else [None])
    if self.max_rank is not None:
      bad.append(np.zeros((1,) * (self.max_rank + 1), np.float32 if self.kind == "float" else
                          np.int32))
    return bad


@dataclasses.dataclass(frozen=True)
class AxisName(Option):
  """The name of a mesh axis bound where the loss is called (inside ``shard_map``)."""

  optional: bool = True

  def expected(self):
    return "the name of a mesh axis bound here (call inside shard_map)" + (
        " or None" if self.optional else "")

  def validate(self, loss, arg, value):
    if value is None and self.optional:
      return None
    if not isinstance(value, str):
      raise _type_error(loss, arg, value, self.expected())
    try:
      jax.lax.axis_size(value)
    except NameError:
      raise core.option_error(
          loss, arg, f"no mesh axis named {value!r} is bound here: vocabulary-parallel mode runs "
          "inside shard_map over a mesh with that axis") from None
    return value

  def bad_values(self):
    return [3, "no_such_axis", ["vocab"]]


# --------------------------------------------------------------------------
# The declaration and the wrapper
# --------------------------------------------------------------------------

_UNIVERSAL = ("reduction", "where")


@dataclasses.dataclass(frozen=True)
class Declaration:
  """A loss's declared argument roles and option types (read by the catalogue and the tests)."""

  roles: Mapping[str, Role]
  options: Mapping[str, Option]
  reductions: tuple[str, ...]
  renamed: Mapping[str, str] = dataclasses.field(default_factory=dict)  # old keyword -> name
  #: Why the loss depends on the whole batch (no ``reduction="parts"``), or None.
  whole_batch: str | None = None
  #: A bool option that makes the loss depend on the whole batch when True (dice's `batch`), or
  #: a static number that does when nonzero (the VAE losses' `free_bits`), or a function of the
  #: call's arguments that says why this call does (or None: it does not).
  whole_batch_if: str | Callable[[Mapping[str, Any]], str | None] | None = None

  def whole_batch_reason(self, given: Mapping[str, Any]) -> str | None:
    """Why "parts" is not available for this call, or None where it is."""
    if self.whole_batch is not None:
      return self.whole_batch
    if callable(self.whole_batch_if):
      return self.whole_batch_if(given)
    if self.whole_batch_if is not None and given.get(self.whole_batch_if):
      return f"`{self.whole_batch_if}={given[self.whole_batch_if]!r}` pools statistics over the batch"
    return None

  def args_of(self, *kinds: str) -> tuple[str, ...]:
    return tuple(k for k, r in self.roles.items() if r.kind in kinds)


F = TypeVar("F", bound=Callable[..., Any])


def declare(*, reductions: tuple[str, ...] | None = (), renamed: Mapping[str, str] | None = None,
            whole_batch: str | None = None,
            whole_batch_if: str | Callable[[Mapping[str, Any]], str | None] | None = None,
            **declared: Role | Option) -> Callable[[F], F]:
  """Declares a loss's data arguments (Role) and options (Option); see the module docstring.

  Every parameter of the function but ``reduction`` and ``where`` must be
  declared, and nothing else: a loss with an undeclared option fails at import.
  ``reductions`` names reductions beyond "none" | "mean" | "sum"; ``None`` declares a tool
  that is not a reduction (`linear_token_stats`): it takes ``where`` but no ``reduction``.
  ``renamed`` maps an argument's old keyword to its name (names made consistent within a
  family): the old keyword is still accepted. ``whole_batch`` says why a loss depends on the
  whole batch (in-batch negatives, batch statistics): it then has no ``reduction="parts"``;
  ``whole_batch_if`` names a bool option that does the same when True.
  """
  renamed = dict(renamed or {})
  universal = _UNIVERSAL if reductions is not None else ("where",)

  def wrap(fn: F) -> F:
    sig = inspect.signature(fn)
    params = sig.parameters
    name = fn.__name__
    undeclared = set(params) - set(declared) - set(universal)
    unknown = set(declared) - set(params)
    if undeclared or unknown or not set(universal) <= set(params):
      raise TypeError(f"{name}: declare every argument once: undeclared {sorted(undeclared)}, "
                      f"unknown {sorted(unknown)}")
    roles = {k: v for k, v in declared.items() if isinstance(v, Role)}
    options = {k: v for k, v in declared.items() if isinstance(v, Option)}
    for k in roles:
      if params[k].kind == params[k].KEYWORD_ONLY:
        raise TypeError(f"{name}: data argument {k} must be positional")
    for k in options:
      if params[k].kind != params[k].KEYWORD_ONLY:
        raise TypeError(f"{name}: option {k} must be keyword-only")
    n_data = sum(p.kind != p.KEYWORD_ONLY for p in params.values())
    first = next(iter(roles), "")
    for k, o in options.items():
      data = (o.of or first) if isinstance(o, Axis) else (
          o.size_of[0] if isinstance(o, Int) and o.size_of else first)
      if data not in roles:
        raise TypeError(f"{name}: option {k} refers to no data argument ({data})")
    for k, r in roles.items():
      for ref in (r.like, r.indices_of, r.rows_of):
        if ref is not None and (ref not in roles or list(roles).index(ref) >= list(
            roles).index(k)):
          raise TypeError(f"{name}: data argument {k} is related to {ref}, which is not an "
                          "earlier data argument")

    for old, new in renamed.items():
      if new not in params or old in params:
        raise TypeError(f"{name}: renamed {old} -> {new}, which is not a parameter")
    gate = None if callable(whole_batch_if) else options.get(whole_batch_if)
    if whole_batch_if is not None and not callable(whole_batch_if) and not (
        isinstance(gate, Bool) or (isinstance(gate, Float) and not gate.traced)):
      raise TypeError(f"{name}: whole_batch_if={whole_batch_if!r} is not a bool option or a "
                      "static number (nonzero: pooled)")
    declaration = Declaration(
        roles, options, () if reductions is None else core.REDUCTIONS + tuple(reductions),
        renamed, whole_batch, whole_batch_if)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
      for old in renamed.keys() & kwargs.keys():
        new = renamed[old]
        if new in kwargs or list(params).index(new) < len(args):
          raise TypeError(f"{name}: got `{old}` (the old name of `{new}`) and `{new}`")
        kwargs[new] = kwargs.pop(old)
      try:
        bound = sig.bind(*args, **kwargs)
      except TypeError as e:
        hint = (f" ({name} takes at most {n_data} data arguments; options are keyword-only, "
                f"e.g. {name}(..., {next(iter(options), 'reduction')}=...))"
                if len(args) > n_data else "")
        raise TypeError(f"{name}: {e}{hint}") from None
      given = bound.arguments
      if reductions is not None:
        reduction = given.get("reduction", params["reduction"].default)
        why = None
        if reduction == "parts":  # only then: does this call depend on the whole batch?
          why = declaration.whole_batch_reason(
              {k: given.get(k, p.default) for k, p in params.items()})
        core.validate_reduction(name, reduction, reductions, why)
      for k, role in roles.items():
        if k in given:
          given[k] = role.convert(name, k, given[k])
      for k, option in options.items():
        if k in given:
          given[k] = option.validate(name, k, given[k])
      for k, option in options.items():
        option.relate(name, k, given.get(k, params[k].default), given, first)
      axis = given.get("axis", params["axis"].default) if "axis" in params else -1
      for k, role in roles.items():
        role.relate(name, k, given.get(k), given, axis)
      traced = [k for k, o in options.items() if isinstance(o, Float) and _is_tracer(given.get(k))]
      if traced:  # hyperparameters as arrays: in the data's float dtype (no silent widening)
        dtype = core.compute_dtype(*(given.get(k) for k in roles))
        for k in traced:
          given[k] = core.to_float(given[k], dtype)
      token = core.LOSS_NAME.set(name)
      try:
        out = fn(*bound.args, **bound.kwargs)
      finally:
        core.LOSS_NAME.reset(token)
      if traced:
        # An out-of-range traced hyperparameter (its value known only inside jit, where
        # nothing can raise) gives NaN, never a plausible number.
        bad = functools.reduce(
            jnp.logical_or, [options[k].out_of_range(given[k]) for k in traced])
        out = jax.tree.map(
            lambda y: core.poison(y, bad)
            if jnp.issubdtype(jnp.result_type(y), jnp.inexact) else y, out)
      return out

    wrapper.declaration = declaration
    return wrapper  # type: ignore[return-value]  # same signature: functools.wraps

  return wrap


# Shared declarations of options that several losses take.
AXIS = Axis()
#: The axis of a vector (cosine similarity, a distribution): checked for any rank >= 1.
VECTOR_AXIS = Axis(from_rank=1)
IGNORE_INDEX = Int(optional=True)
LABEL_SMOOTHING = Float(0.0, 1.0, message="label_smoothing must be between 0.0 and 1.0. Got: {value}")
WEIGHT = ArrayOption("float")
#: A linear head's weight: [V, D] (torch's nn.Linear) or [D, V] (a Flax Dense kernel).
LAYOUT = Choice(("vd", "dv"))

__all__ = [
    "ANY", "AXIS", "VECTOR_AXIS", "ArrayOption", "Axis", "AxisName", "Bool", "Choice", "Declaration", "FLOAT", "Float",
    "Function", "IGNORE_INDEX", "INDEX", "INT", "Int", "LABEL_SMOOTHING", "LAYOUT", "Option",
    "OptionTypeError", "REAL", "Role", "TARGET", "WEIGHT", "declare",
]
