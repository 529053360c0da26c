"""The one core every loss family uses: reduction, masks, dtype policy, contracts.

Everything a loss shares lives here, written once:

* `reduce_loss` applies ``reduction`` ("mean" | "sum" | "none", plus
  "batchmean" where a loss allows it) together with the ``where`` mask and any
  internal validity mask (``ignore_index``), with the normaliser a torch twin
  uses ("mean" divides by the count of counted elements, or by the summed
  normaliser weights when a loss passes them). An all-masked mean is 0 with a
  zero gradient, never NaN.
* `compute_dtype` / `to_float` implement the dtype policy: math in
  float32 at least, float64 when given float64 with x64 on; 16-bit inputs give a
  float32 loss; gradients come back in each input's own dtype because the cast
  is the first op applied to it (its transpose casts the cotangent back).
* ``check_*`` helpers are the static shape/dtype contracts (chex assertions
  raising ``ValueError``) and the concrete-value checks torch also makes. Every
  message starts with the loss name and names the argument, what was seen and
  what was expected.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import chex
import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import checkify
from jax.typing import ArrayLike

Array = jax.Array

#: The reductions every loss accepts ("parts" too, where the loss's mean decomposes: `Parts`).
REDUCTIONS: tuple[str, ...] = ("none", "mean", "sum")


@dataclasses.dataclass(frozen=True)
class Parts:
  """A loss's "mean" as the two numbers that merge: ``total / count`` is the mean.

  ``reduction="parts"`` returns them: ``total`` is the loss's weighted sum (what the mean
  divides), ``count`` its normaliser (counted elements, summed class weights, sequences,
  images: the loss's own), with no gradient. Parts of pieces of a batch add up to the parts
  of the batch (``a + b``; ``parts.sum()`` over a leading axis of stacked parts, from ``vmap``
  or ``lax.scan``; ``jax.lax.psum(parts, axis_name)`` across devices), and ``.mean()`` is then
  the whole batch's mean, 0 where nothing was counted. A pytree of two arrays: it passes
  through ``jit``, ``vmap``, ``scan``, ``shard_map`` and ``psum``. A loss that is a weighted
  sum of means with different counts (``dice_ce_loss``) gives one entry per term in both
  arrays, and ``.mean()`` adds the terms' means.
  """

  total: jax.Array
  count: jax.Array

  def __add__(self, other: Parts) -> Parts:
    if not isinstance(other, Parts):
      return NotImplemented
    return Parts(self.total + other.total, self.count + other.count)

  def __radd__(self, other: Any) -> Parts:
    if isinstance(other, int) and other == 0:  # sum([...]) starts at 0
      return self
    return NotImplemented

  def sum(self, axis: int = 0) -> Parts:
    """The parts of stacked pieces (a leading axis from ``vmap`` or ``lax.scan``), merged."""
    return Parts(jnp.sum(self.total, axis=axis), jnp.sum(self.count, axis=axis))

  def mean(self) -> jax.Array:
    """``total / count`` (summed over the terms of a compound loss), 0 where count is 0."""
    return jnp.sum(safe_div(self.total, self.count))


jax.tree_util.register_dataclass(Parts, data_fields=["total", "count"], meta_fields=[])
Parts.__module__ = "lossjax"


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


def validate_reduction(loss: str, reduction: str, extra: Sequence[str] = (),
                       whole_batch: str | None = None) -> None:
  """Raises ValueError (torch's wording) for a reduction the loss does not know.

  "parts" is every loss's unless its value depends on the whole batch (`whole_batch`: why)."""
  if reduction == "parts":
    if whole_batch is not None:
      raise ValueError(
          f"{loss}: argument `reduction`: 'parts' is not available: the loss depends on the "
          f"whole batch ({whole_batch}), so the parts of pieces of a batch do not add up to the "
          "batch's loss; compute it on the whole batch (gather across devices first)")
    return
  allowed = REDUCTIONS + tuple(extra)
  if not isinstance(reduction, str) or reduction not in allowed:
    raise ValueError(
        f"{loss}: argument `reduction`: {reduction} is not a valid value for "
        f"reduction (expected one of {', '.join(repr(r) for r in allowed)})"
    )


#: The loss being called: set by the declaration's wrapper around the loss's body, so that a
#: body never names itself (`loss_name`).
LOSS_NAME: contextvars.ContextVar[str] = contextvars.ContextVar("lossjax_loss")


def loss_name() -> str:
  """The name of the loss whose body is running (for error messages and core calls)."""
  return LOSS_NAME.get()


def option_error(loss: str, arg: str, message: str) -> ValueError:
  """A ValueError for a bad option, prefixed with the loss and the argument."""
  return ValueError(f"{loss}: argument `{arg}`: {message}")


# --------------------------------------------------------------------------
# Dtype policy
# --------------------------------------------------------------------------


def _dtype_of(x: Any) -> np.dtype | None:
  if x is None or isinstance(x, (bool, int, float, complex)):
    return None  # Python scalars are weakly typed: they never widen the math.
  return np.dtype(getattr(x, "dtype", None) or np.asarray(x).dtype)


def compute_dtype(*xs: Any) -> jnp.dtype:
  """float64 if any argument is float64 and x64 is on, else float32."""
  if jax.config.jax_enable_x64 and any(_dtype_of(x) == np.float64 for x in xs):
    return jnp.dtype(jnp.float64)
  return jnp.dtype(jnp.float32)


def to_float(x: ArrayLike, dtype: jnp.dtype) -> Array:
  """Casts to the compute dtype. The cast's transpose returns gradients in x's dtype."""
  return jnp.asarray(x).astype(dtype)


def finite_logits(x: Array) -> Array:
  """Clips ±inf logits to ±max/4 of the dtype, keeping every later op finite.

  A logit of ``-inf`` ("this class is impossible") otherwise turns ``0 * -inf``
  into NaN in soft-target or label-smoothed losses (optax #896). Clipping at a
  quarter of the dtype's range leaves every finite logit a model can produce
  untouched, keeps ``x - max(x)`` from overflowing, and gives a zero gradient
  to a clipped (infinite) logit, which is the limit of the true gradient.
  """
  big = jnp.finfo(x.dtype).max / 4
  return jnp.clip(x, -big, big)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def clamp_min_keep_grad(v: Array, lo: float) -> Array:
  """max(v, lo) whose gradient is the identity, also below lo.

  torch clamps some values in place under no_grad (gaussian_nll_loss's
  variance, cosine_similarity's norms): the value is clamped, the gradient
  flows as if it were not.
  """
  return jnp.maximum(v, lo)


@clamp_min_keep_grad.defjvp
def _clamp_min_keep_grad_jvp(lo, primals, tangents):
  (v,), (dv,) = primals, tangents
  return jnp.maximum(v, lo), dv


# The two hinges below are a plain max in the forward pass, with the gradient
# at z == 0 set by a custom derivative. As selects, they kept XLA:CPU from
# fusing a hinge into the reduction that follows it (the triplet loss wrote
# its per-triplet values out and read them back).


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _hinge(z: Array, grad_at_zero: bool) -> Array:
  return jnp.maximum(z, jnp.zeros_like(z))


@_hinge.defjvp
def _hinge_jvp(grad_at_zero, primals, tangents):
  (z,), (g,) = primals, tangents
  passes = z >= 0 if grad_at_zero else z > 0
  return _hinge(z, grad_at_zero), jnp.where(passes, g, jnp.zeros_like(g))


def clamp_min_zero(z: Array) -> Array:
  """max(z, 0) with torch's clamp_min gradient: 1 at z == 0 (jnp.maximum gives 0.5)."""
  return _hinge(z, True)


def clamp(x: Array, lo: Any = None, hi: Any = None) -> Array:
  """torch.clamp(x, lo, hi): the bound where x passes it, x itself up to and at the bounds, so
  the gradient is 1 at a bound (jnp.clip's maximum and minimum give half there)."""
  if lo is not None:
    x = jnp.where(x < lo, lo, x)
  if hi is not None:
    x = jnp.where(x > hi, hi, x)
  return x


def hinge_strict(z: Array) -> Array:
  """max(z, 0) with gradient 0 at z == 0, as torch's C++ margin kernels (``if (z > 0)``)."""
  return _hinge(z, False)


def on_cpu(cpu: Callable[[], Any], other: Callable[[], Any]) -> Any:
  """``cpu()`` in a program compiled for CPU, ``other()`` in one compiled for GPU or TPU.

  The one switch for XLA:CPU-specific forms (chunk sizes, optimization barriers): the choice is
  made when the program is lowered (``jax.lax.platform_dependent``), so one jitted or exported
  function gets each platform's branch, and a program lowered for one platform holds only
  that platform's. Each use says which measurement on CPU justifies its branch.
  """
  return jax.lax.platform_dependent(cpu=cpu, default=other)


def per_platform(run: Callable[..., Any], *args: Any) -> Any:
  """``run(platform, *args)`` with `platform` "cpu", "gpu" (CUDA, ROCm and anything else) or
  "tpu": `on_cpu`'s switch, for kernels whose block sizes are tuned per platform."""
  # Three branches, each traced once: CUDA and ROCm take the default branch rather than naming
  # their own copies of it (platform_dependent traces every branch it is given, and joins
  # branches only when they are the same object).
  return jax.lax.platform_dependent(
      *args, cpu=functools.partial(run, "cpu"), tpu=functools.partial(run, "tpu"),
      default=functools.partial(run, "gpu"))


def _varying(a: Any) -> frozenset[str]:
  mat = getattr(jax.typeof(a), "manual_axis_type", None)
  return frozenset() if mat is None else frozenset(mat.varying)


def same_varying(*arrays: Any) -> tuple[Any, ...]:
  """Inside ``shard_map``: every array made varying over each mesh axis any of them varies
  over, before a ``custom_vjp`` kernel reads them together.

  A replicated weight used with a batch sharded over devices (data parallelism) is otherwise
  invariant while its cotangent, computed per device, varies: a ``custom_vjp`` then fails its
  type check. ``pcast(..., to="varying")`` is what JAX inserts for plain operations; its
  transpose sums the weight's gradient over the devices. Outside ``shard_map``: unchanged.
  """
  leaves, tree = jax.tree.flatten(arrays)
  axes = frozenset().union(*(_varying(a) for a in leaves))
  if not axes:
    return arrays
  return jax.tree.unflatten(tree, [
      a if _varying(a) >= axes else jax.lax.pcast(a, tuple(sorted(axes - _varying(a))),
                                                  to="varying") for a in leaves])


# --------------------------------------------------------------------------
# Hyperparameters: static Python numbers, or arrays (swept, scheduled, learned)
# --------------------------------------------------------------------------


def is_static(v: Any) -> bool:
  """Whether a validated numeric option is known when the loss is traced (a Python number).

  Only a static value may select the computation (skip a term that is exactly 0, take
  torch's special case at an endpoint); a traced one (``vmap`` over it, a schedule or a
  learned value under ``jit``, ``grad`` with respect to it) takes the general form, which
  must give the same value and gradient there.
  """
  return isinstance(v, numbers.Number)


def static_equals(v: Any, value: float) -> bool:
  """``v == value`` for a static hyperparameter; False for a traced one (its general form)."""
  return is_static(v) and v == value


def power0(base: Array, gamma: Any) -> Array:
  """``base ** gamma`` for ``base >= 0``: with a static `gamma`, jnp.power (torch's value
  and gradient); with a traced one, ``0 ** 0 = 1`` with a finite gradient at ``base = 0``
  (a focal factor whose gamma is swept through 0)."""
  if is_static(gamma):
    return jnp.power(base, gamma)
  pos = base > 0
  return jnp.where(pos, jnp.power(jnp.where(pos, base, 1.0), gamma),
                   jnp.where(gamma == 0, 1.0, 0.0).astype(base.dtype))


def safe_div(num: Array, den: Array) -> Array:
  """num / den, and 0 with a zero gradient where den == 0 (double-where)."""
  zero = den == 0
  return jnp.where(zero, jnp.zeros_like(num), num / jnp.where(zero, jnp.ones_like(den), den))


# --------------------------------------------------------------------------
# Contracts: shapes and dtypes (static, free after tracing, hold under vmap)
# --------------------------------------------------------------------------


def _contract(assertion: Callable[..., None], *args: Any, message: str, **kwargs: Any) -> None:
  """Runs a chex static assertion; its failure is a ValueError with lossjax's message alone
  (chex's "[Chex] Assertion assert_shape failed: ... input 0" prefix names the wrong thing)."""
  try:
    assertion(*args, exception_type=ValueError, custom_message=message, **kwargs)
  except ValueError:
    raise ValueError(message) from None


def as_array(loss: str, arg: str, x: Any) -> Array:
  """Converts an ArrayLike argument, with a clear error for anything else."""
  if isinstance(x, (jax.Array, np.ndarray, np.generic, bool, int, float)):
    return jnp.asarray(x)
  try:
    return jnp.asarray(x)
  except (TypeError, ValueError) as e:
    raise ValueError(
        f"{loss}: argument `{arg}` must be an array, got {type(x).__name__}"
    ) from e


def check_float(loss: str, arg: str, x: Array) -> None:
  """`arg` must hold floating-point values (and, in checked mode, no NaN)."""
  _contract(chex.assert_type, x, float,
            message=f"{loss}: argument `{arg}` has dtype {x.dtype}, expected a floating dtype")
  check_values(loss, arg, x, lambda a: a != a, "values that are not NaN (no loss is defined)",
               checked_only=True)


def check_int(loss: str, arg: str, x: Array) -> None:
  """`arg` must hold integer class indices."""
  _contract(chex.assert_type, x, int,
            message=f"{loss}: argument `{arg}` has dtype {x.dtype}, expected an integer dtype")


def check_real(loss: str, arg: str, x: Array) -> None:
  """`arg` must hold real numbers (bool, integer or floating; a complex dtype is an error).

  A complex target would otherwise be cast to float with its imaginary part
  silently dropped. In checked mode a floating `arg` must hold no NaN.
  """
  if x.dtype.kind not in "biuf" and x.dtype != jnp.bfloat16:
    raise ValueError(f"{loss}: argument `{arg}` has dtype {x.dtype}, expected a real "
                     "(bool, integer or floating) dtype")
  if jnp.issubdtype(x.dtype, jnp.floating):
    check_values(loss, arg, x, lambda a: a != a, "values that are not NaN (no loss is defined)",
                 checked_only=True)


def check_classes(loss: str, arg: str, x: Array, axis: int = -1) -> None:
  """`arg`'s class axis must not be empty: a loss over zero classes is not defined."""
  if x.ndim and x.shape[axis] == 0:
    raise ValueError(f"{loss}: argument `{arg}` has shape {x.shape}, expected at least one class "
                     f"on its class axis ({axis})")


def check_rank(loss: str, arg: str, x: Array, rank: int | set[int], what: str = "") -> None:
  expected = f"rank {rank}" if isinstance(rank, int) else f"rank in {sorted(rank)}"
  _contract(chex.assert_rank, x, rank,
            message=f"{loss}: argument `{arg}` has shape {x.shape}, expected {expected}{what}")


def check_min_rank(loss: str, arg: str, x: Array, rank: int, expected: str) -> None:
  """`arg` must have at least `rank` axes (`expected`: the shape, in words, e.g. "[N, ..., C]")."""
  if x.ndim < rank:
    raise ValueError(f"{loss}: argument `{arg}` has shape {x.shape}, expected {expected}")


def check_shape(loss: str, arg: str, x: Array, shape: Sequence[int], what: str = "") -> None:
  _contract(chex.assert_shape, x, tuple(shape),
            message=f"{loss}: argument `{arg}` has shape {x.shape}, expected {tuple(shape)}{what}")


def check_same_shape(loss: str, arg: str, x: Array, ref_arg: str, ref: Array) -> None:
  """`arg` must have exactly `ref_arg`'s shape: lossjax never broadcasts a target."""
  _contract(chex.assert_equal_shape, [ref, x],
            message=(f"{loss}: argument `{arg}` has shape {x.shape}, expected {ref.shape} "
                     f"(the shape of `{ref_arg}`; lossjax does not broadcast `{arg}`)"))


def elementwise(loss: str, where: Any, *pairs: tuple[str, Array], fill: dict[str, float] | None = None,
                dtype_args: Sequence[Any] = ()) -> tuple[Array | None, list[Array]]:
  """Arguments of one shape (the first's, the per-element loss shape), masked, in the compute dtype.

  Every argument after the first must have exactly the first one's shape (no
  silent broadcasting). Returns the validated `where` mask (None without one)
  and the arguments converted to the compute dtype (of all of them and
  `dtype_args`), with masked elements replaced by ``fill[arg]`` (default 0)
  by `masked_fill`.
  """
  first_arg, first = pairs[0]
  for arg, a in pairs[1:]:
    check_same_shape(loss, arg, a, first_arg, first)
  keep = as_mask(loss, where, first.shape)
  dtype = compute_dtype(*(a for _, a in pairs), *dtype_args)
  fill = fill or {}
  return keep, [masked_fill(keep, to_float(a, dtype), fill.get(arg, 0.0)) for arg, a in pairs]


def elementwise_option(loss: str, arg: str, w: Array | None, shape: Sequence[int], dtype,
                       keep: Array | None) -> Array | None:
  """An array option (a weight) broadcast to the per-element `shape`, masked like the inputs."""
  if w is None:
    return None
  return masked_fill(keep, to_float(check_broadcastable(loss, arg, w, shape), dtype))


@jax.custom_jvp
def safe_sqrt(s: Array) -> Array:
  """sqrt with a zero gradient at 0, not inf * 0 = NaN (zero vectors, equal points).

  A custom derivative rather than a double where: the forward pass stays a
  plain sqrt. Two double-where'd distances (the triplet loss) made XLA:CPU
  write a broadcast eps of the inputs' size (the cost: BENCHMARKS.md, "Measured forms").
  """
  return jnp.sqrt(s)


@safe_sqrt.defjvp
def _safe_sqrt_jvp(primals, tangents):
  (s,), (g,) = primals, tangents
  y = jnp.sqrt(s)
  # d sqrt(s) = g / (2 sqrt(s)), taken as 0 at s = 0 (1 / inf = 0, at any order).
  return y, 0.5 * g / jnp.where(y > 0, y, jnp.inf)


def safe_norm(x: Array, axis: int = -1) -> Array:
  """The Euclidean norm over `axis`, with a zero gradient at the zero vector."""
  return safe_sqrt(jnp.sum(jnp.square(x), axis=axis))


@jax.custom_jvp
def softplus(x: Array) -> Array:
  """log(1 + e^x) for any x, finite at ±1e4 and exact at ±inf.

  Written as max(x, 0) + log1p(e^-|x|) rather than jax.nn.softplus (a
  logaddexp with a NaN select), which XLA:CPU does not vectorise. The
  derivative is sigmoid(x), written out: faster in reverse mode than
  differentiating max and abs, and exact to every order at x = 0
  (zero-initialised logits). Both measured: BENCHMARKS.md, "Measured forms".
  """
  return jnp.maximum(x, 0) + jnp.log1p(jnp.exp(-jnp.abs(x)))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
  (x,), (g,) = primals, tangents
  return softplus(x), jax.nn.sigmoid(x) * g


def log_sigmoid(x: Array) -> Array:
  """log σ(x) = -softplus(-x), stable for any sign of x (see `softplus`)."""
  return -softplus(-x)


@jax.custom_jvp
def abs0(d: Array) -> Array:
  """|d| whose gradient at 0 is sign(0) = 0, as torch's l1 and norm backwards (jnp.abs: 1)."""
  # A custom derivative rather than d * sign(d): the forward pass stays a plain
  # abs, which XLA:CPU vectorises (d * sign(d) cost l1_loss 25% at 2^27).
  return jnp.abs(d)


@abs0.defjvp
def _abs0_jvp(primals, tangents):
  (d,), (g,) = primals, tangents
  return jnp.abs(d), jnp.sign(d) * g


def check_broadcastable(loss: str, arg: str, x: Array, shape: Sequence[int], what: str = "") -> Array:
  """Broadcasts an option such as `weight` to `shape`, only in the numpy sense
  and only towards `shape` (never growing the loss)."""
  shape = tuple(shape)
  try:
    ok = np.broadcast_shapes(x.shape, shape) == shape
  except ValueError:
    ok = False
  if not ok:
    raise ValueError(
        f"{loss}: argument `{arg}` has shape {x.shape}, expected a shape broadcastable to {shape}{what}"
    )
  return jnp.broadcast_to(x, shape)


def check_class_indices_shape(loss: str, arg: str, t: Array, x: Array, x_arg: str,
                              axis: int) -> None:
  """`t` holds one class index per element of `x` without its class axis, with a hint for the
  two classic porting mistakes: torch's [N, C, d1, ...] layout without ``axis=1``, and a
  ``(N, 1)`` column of indices."""
  expected = batch_shape(x, axis)
  if t.shape == expected:
    return
  hint = ""
  if x.ndim > 2 and axis % x.ndim != 1 and t.shape == batch_shape(x, 1):
    hint = (f"; `{arg}` matches `{x_arg}` with its class axis at 1: pass axis=1 for PyTorch's "
            "[N, C, d1, ...] layout")
  elif t.shape == expected + (1,):
    hint = (f"; class indices have no class axis: drop the trailing axis of size 1 "
            f"(`{arg}[..., 0]`)")
  raise ValueError(f"{loss}: argument `{arg}` has shape {t.shape}, expected {expected} "
                   f"(`{x_arg}`'s shape {x.shape} without the class axis {axis}){hint}")


def check_class_target(loss: str, arg: str, t: Array, x: Array, x_arg: str, axis: int) -> None:
  """A classification target: class probabilities of `x`'s shape when floating, else integer
  class indices of `x`'s shape without its class axis (`check_class_indices_shape`)."""
  if jnp.issubdtype(t.dtype, jnp.floating):
    if t.shape != x.shape:
      raise ValueError(
          f"{loss}: argument `{arg}` has shape {t.shape} and dtype {t.dtype}, expected "
          f"{x.shape}: a float target holds class probabilities of the input's shape "
          "(class indices must be integers)")
  else:
    check_int(loss, arg, t)
    check_class_indices_shape(loss, arg, t, x, x_arg, axis)


def class_axis_last(loss: str, x: Array, axis: int) -> Array:
  """Moves the class axis to the end. A 1-D input is unbatched `(C,)`, as in torch.

  The axis's range was checked by its declaration (`Axis`)."""
  del loss
  if x.ndim <= 1:
    return x
  return jnp.moveaxis(x, axis, -1)


def linear_head(loss: str, arg: str, w: Array, d: int, layout: str, *, rows: str = "V",
                input_rank: int | None = None) -> tuple[int, tuple[int, ...]]:
  """A linear head's weight against the input's feature size `d`: ``[V, D]`` (``layout="vd"``,
  torch's ``nn.Linear``) or ``[D, V]`` (``"dv"``, a Flax ``Dense`` kernel).

  Returns ``(V, middle)``: the head's outputs and any axes between them (torch's K-dimensional
  loss, allowed only where `input_rank` is given, i.e. the loss supports it).
  """
  vd = layout == "vd"
  expected = f"({rows}, {d})" if vd else f"({d}, {rows})"
  if w.ndim < 2 or (w.ndim > 2 and input_rank is None):
    raise ValueError(f"{loss}: argument `{arg}` has shape {w.shape}, expected {expected} "
                     f"(layout={layout!r})")
  w_d, v, middle = (w.shape[-1], w.shape[0], w.shape[1:-1]) if vd else (
      w.shape[0], w.shape[1], w.shape[2:])
  if w_d != d:
    other = '[D, V]", needs layout="dv"' if vd else '[V, D]", needs layout="vd"'
    raise ValueError(
        f"{loss}: argument `{arg}` has shape {w.shape}, expected {expected} (the input's last "
        f"axis is {d}, layout={layout!r}; a weight laid out \"{other})")
  if middle and input_rank is not None and input_rank < 2:
    raise ValueError(f"{loss}: a K-dimensional loss ({arg} {w.shape}) needs a batched input "
                     f"(N, {d}), got rank {input_rank}")
  return v, tuple(middle)


def batch_shape(x: Array, axis: int) -> tuple[int, ...]:
  """The input's shape without its class axis (the per-element loss shape)."""
  if x.ndim <= 1:
    return ()
  return tuple(d for i, d in enumerate(x.shape) if i != axis % x.ndim)


# --------------------------------------------------------------------------
# Value checks: what torch checks on data. They run only on concrete inputs;
# under jit/vmap the compiled program pays nothing for them.
# --------------------------------------------------------------------------


def is_concrete(*xs: Any) -> bool:
  return not any(isinstance(x, jax.core.Tracer) for x in xs)


def concrete_value(x: Any) -> np.ndarray | None:
  """x's value as numpy when it is known now, else None.

  Known: a plain array, or a tracer of ``grad``/``vjp``/``jvp`` over concrete
  values, or of ``vmap`` over concrete values (the batched value; value
  checks are elementwise). Not known inside ``jit``.
  """
  batch_axes = 0
  while isinstance(x, jax.core.Tracer):
    if _BatchTracer is not None and isinstance(x, _BatchTracer):
      # The batched value, its batch axis first: a mask of the logical shape
      # still broadcasts against it (from the right).
      bdim = x.batch_dim
      x = x.val
      if isinstance(bdim, int):
        x = jnp.moveaxis(x, bdim, batch_axes)
        batch_axes += 1
      continue
    value = _to_concrete_value(x)
    if value is None:
      return None
    x = value
  return np.asarray(x)


try:  # jax's own notion of "known now"; without it, only plain arrays are checked eagerly
  from jax._src.core import to_concrete_value as _to_concrete_value
  from jax._src.interpreters.batching import BatchTracer as _BatchTracer
except ImportError:  # pragma: no cover
  _BatchTracer = None

  def _to_concrete_value(x):
    return None


#: True while lossjax.checked traces a function. Part of jit's cache key, so a
#: function already compiled without checks is traced again with them.
CHECKED_MODE = jax.make_user_context(default_value=False)


class CheckError(ValueError):
  """A value contract (class index, probability, variance, ...) violated under
  `lossjax.checked`, inside jit or vmap."""


CheckError.__module__ = "lossjax"  # its public home


def check_values(
    loss: str, arg: str, x: Any, bad: Callable[[Any], Any], expected: str,
    *, checked_only: bool = False, where: Any = None,
) -> None:
  """Raises ValueError naming the first offending value when `bad(x)` is true anywhere.

  `bad` is a predicate written with array operators only (``&``, ``|``, ``<``,
  ...), so it applies to numpy arrays (values known now: checked now, as torch
  does, also under ``grad`` and ``vmap`` outside ``jit``) and to traced jax
  arrays. Values known only at run time (inside ``jit``) are checked only
  inside `lossjax.checked` (XLA cannot raise at run time); otherwise the
  compiled program pays nothing for the check. A check that torch does not
  make (NaN inputs, an impossible CTC alignment) is ``checked_only``: it
  runs only inside `lossjax.checked`. Elements where the boolean
  ``where`` (broadcastable to x) is False are masked: never checked.
  """
  if x is None:
    return
  if CHECKED_MODE.value and (checked_only or not is_concrete(x)):
    a = jnp.asarray(x)
    mask = jnp.broadcast_to(bad(a), a.shape)
    if where is not None:
      mask = mask & jnp.broadcast_to(where, a.shape)
    mask = mask.reshape(-1)
    first = a.reshape(-1)[jnp.argmax(mask)] if a.size else jnp.zeros((), a.dtype)

    def esc(text):  # checkify formats the message with str.format
      return text.replace("{", "{{").replace("}", "}}")

    message = esc(f"{loss}: argument `{arg}` holds ") + "{value}" + esc(f", expected {expected}")
    checkify.check(~jnp.any(mask), message, value=first)
    return
  if checked_only:
    return
  a = concrete_value(x)
  if a is None:
    return  # known only at run time: the compiled program pays nothing
  mask = np.asarray(bad(a))
  if where is not None:
    if _BatchTracer is not None and isinstance(where, _BatchTracer):
      return  # a batched mask: checked in checked mode
    w = concrete_value(where)
    if w is None:
      return  # the mask is known only at run time: checked in checked mode
    mask = mask & np.broadcast_to(w, mask.shape)
  if mask.any():
    value = a[np.broadcast_to(mask, a.shape)].flat[0]
    raise ValueError(f"{loss}: argument `{arg}` holds {value.item()!r}, expected {expected}")


# --------------------------------------------------------------------------
# Class indices: out of range is an error where values are known, NaN where not
# --------------------------------------------------------------------------


def class_indices(
    loss: str, arg: str, t: Array, num_classes: int, *, ignore_index: int | None = None,
    where: Array | None = None, expected: str | None = None, lowest: int = 0,
) -> tuple[Array, Array, Array]:
  """Checks class indices and returns ``(safe, counted, out_of_range)``.

  An index outside ``[0, num_classes)`` (other than ``ignore_index``, and
  outside masked elements) raises where values are known now and in checked
  mode. Inside ``jit`` it cannot raise: the loss then poisons the element
  with `poison` so that it gives NaN, never a plausible number (a
  negative index would otherwise wrap to class C - 1). ``safe`` holds 0 in
  place of ignored and out-of-range indices, so gathers read a real class;
  ``counted`` is False at ignored indices. ``lowest`` < 0 admits padding
  values (multilabel_margin_loss's -1) as "in range".
  """
  if expected is None:
    expected = f"class indices in [0, {num_classes})" + (
        "" if ignore_index is None else f" or ignore_index={ignore_index}")
  in_range = (t >= lowest) & (t < num_classes)
  if ignore_index is None:
    core_check = lambda v: (v < lowest) | (v >= num_classes)  # noqa: E731
    counted = jnp.ones(t.shape, bool)
  else:
    core_check = lambda v: (v != ignore_index) & ((v < lowest) | (v >= num_classes))  # noqa: E731
    counted = t != ignore_index
  check_values(loss, arg, t, core_check, expected, where=where)
  out_of_range = counted & ~in_range
  safe = jnp.where(counted & in_range, t, jnp.zeros_like(t))
  return safe, counted, out_of_range


def poison(values: Array, bad: Array) -> Array:
  """NaN where `bad` (an out-of-range index, read under jit); the gradient there is 0."""
  return jnp.where(bad, jnp.nan, values)


def above_zero(t: Array) -> Array:
  """``t > 0``, and True for NaN: the branch that computes is where a NaN must go.

  ``t > 0`` is False for NaN, so a double where keyed on it would replace a
  NaN input by the zero branch and swallow it into a finite loss.
  """
  return ~(t <= 0)


# --------------------------------------------------------------------------
# Reduction and masks
# --------------------------------------------------------------------------


def as_mask(loss: str, where: Any, shape: Sequence[int]) -> Array | None:
  """Validates `where` (boolean, broadcastable to the per-element loss) and broadcasts it."""
  if where is None:
    return None
  where = as_array(loss, "where", where)
  if where.dtype != jnp.bool_:
    raise ValueError(f"{loss}: argument `where` has dtype {where.dtype}, expected bool")
  return check_broadcastable(loss, "where", where, shape, " (the per-element loss shape)")


def masked_fill(keep: Array | None, x: Array, fill: float = 0.0) -> Array:
  """x with its masked elements replaced by `fill`, before any math touches them.

  `keep` is a boolean mask over the leading axes of `x` (the per-element loss
  shape, or a mask already aligned with x); trailing axes of x are broadcast.
  A masked NaN or inf then never reaches a value or a gradient: a select
  after the math would give the masked element a zero cotangent, but 0 times
  the NaN local derivative is still NaN (the double-where pattern, applied
  once, to the inputs).
  """
  if keep is None:
    return x
  k = keep.reshape(keep.shape + (1,) * (x.ndim - keep.ndim))
  return jnp.where(k, x, jnp.full_like(x, fill))


def mask_at(keep: Array | None, axis: int) -> Array | None:
  """The per-element mask with a size-1 axis inserted where an input has its class/vector axis."""
  return None if keep is None else jnp.expand_dims(keep, axis)


def mean_denominator(mask: Array | None, norm_weight: Array | None, shape, dtype) -> Array:
  """"mean"'s normaliser: the summed weights (default: the count) of the counted elements."""
  if norm_weight is not None:
    if mask is not None:
      norm_weight = jnp.where(mask, norm_weight, jnp.zeros_like(norm_weight))
    return jnp.sum(norm_weight)
  if mask is not None:
    return jnp.sum(jnp.broadcast_to(mask, shape), dtype=dtype)
  return jnp.asarray(int(np.prod(shape)), dtype)


def loss_parts(
    loss: str,
    values: Array,
    where: Any = None,
    *,
    valid: Array | None = None,
    norm_weight: Array | None = None,
    mean_divisor: Array | None = None,
    groups: int = 0,
    denominator: Array | None = None,
    batchmean: bool = False,
    axis_name: str | None = None,
) -> tuple[Array, Array]:
  """Every normaliser in lossjax, written once: ``(total, count)`` with
  ``"mean" = total / count``.

  Args:
    loss: the loss's name, for error messages.
    values: per-element loss, in the compute dtype.
    where: the user's boolean mask, broadcastable to ``values``.
    valid: the loss's own mask (e.g. targets not equal to ``ignore_index``).
    norm_weight: per-element weights whose (masked) sum is the count (e.g. the class weight of
      each target; cross-entropy's weighted mean); default: the count of counted elements.
    mean_divisor: per-element divisors of the values for "mean" only (ctc divides each
      sequence's loss by its target length, as torch).
    groups: with ``groups = g > 0``, the mean of per-group means: each group (an index of the
      first g axes: a sequence, an image) is averaged over the remaining axes, and the groups
      with anything counted are averaged (GRPO's per-sequence mean).
    denominator: a fixed count instead of the counted elements (Dr. GRPO's batch size times
      the maximum length).
    batchmean: the count in rows of the first axis (torch's ``kl_div(reduction="batchmean")``).
    axis_name: the batch is split over this mesh axis (inside ``shard_map``): the total and the
      count are summed over it, so the mean is the whole batch's.

  Masked elements are left out of the total and of every count.
  """
  mask, values = _masked(loss, values, where, valid)
  scaled = values if mean_divisor is None else values / mean_divisor
  if groups:
    axes = tuple(range(groups, values.ndim))
    kept = jnp.ones(values.shape, bool) if mask is None else jnp.broadcast_to(mask, values.shape)
    per_group = jnp.sum(kept, axis=axes, dtype=values.dtype)
    group_means = safe_div(jnp.sum(scaled, axis=axes), per_group)
    present = per_group > 0
    total = jnp.sum(jnp.where(present, group_means, jnp.zeros_like(group_means)))
    count = jnp.sum(present, dtype=values.dtype)
  else:
    total = jnp.sum(scaled)
    count = None
  if denominator is not None:  # a fixed count: the counted elements are not needed
    count = jnp.asarray(denominator, values.dtype)
  elif count is None:
    count = mean_denominator(mask, norm_weight, values.shape, values.dtype)
  if batchmean and values.ndim > 0:
    # torch: sum / input.size(0). With a mask: the counted elements expressed
    # in rows, i.e. the number of rows when whole rows are masked.
    per_row = values.size // values.shape[0] if values.shape[0] else 1
    count = count / per_row
  if axis_name is not None:
    total, count = jax.lax.psum((total, count), axis_name)
  return total, count


def _masked(loss: str, values: Array, where: Any, valid: Array | None
            ) -> tuple[Array | None, Array]:
  """The user's `where` and the loss's own `valid` mask as one mask, and the values with the
  masked elements 0."""
  mask = as_mask(loss, where, values.shape)
  if valid is not None:
    mask = valid if mask is None else mask & valid
  if mask is not None:
    values = jnp.where(mask, values, jnp.zeros_like(values))
  return mask, values


def reduce_loss(
    loss: str,
    values: Array,
    reduction: str,
    where: Any = None,
    **normaliser: Any,
) -> Array:
  """Masks and reduces a per-element loss: the one reduction every loss ends in.

  Args:
    loss: the loss's name, for error messages.
    values: per-element loss, in the compute dtype.
    reduction: "none" | "mean" | "sum" | "batchmean" (already validated).
    where: the user's boolean mask, broadcastable to ``values``.
    **normaliser: how "mean" counts (`loss_parts`: ``valid``, ``norm_weight``,
      ``mean_divisor``, ``groups``, ``denominator``, ``axis_name``).

  Masked elements are 0 in "none" and are left out of every normaliser. The
  mean over nothing is 0 with a zero gradient (torch returns NaN).
  """
  if reduction in ("none", "sum"):  # no count to compute
    _, values = _masked(loss, values, where, normaliser.get("valid"))
    if reduction == "none":
      return values
    axis_name = normaliser.get("axis_name")
    total = jnp.sum(values)
    return total if axis_name is None else jax.lax.psum(total, axis_name)
  if reduction == "parts":
    normaliser.pop("axis_name", None)  # parts are merged by the caller (psum them)
  total, count = loss_parts(loss, values, where, batchmean=reduction == "batchmean",
                            **normaliser)
  return reduce_parts(total, count, reduction)


def reduce_parts(total: Array, count: Array | None, reduction: str) -> Array:
  """"sum" is the total; "mean" (and "batchmean") the total over the count, 0 for an empty
  count. For a loss whose kernel sums its weighted values itself (`linear_cross_entropy`'s
  fused kernel): its total and `loss_parts`'s count end here, as every other loss's do."""
  if reduction == "sum":
    return total
  if reduction == "parts":
    return Parts(total, jax.lax.stop_gradient(count))  # type: ignore[return-value]
  return safe_div(total, count)
