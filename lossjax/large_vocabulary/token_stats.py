"""`linear_token_stats`: the per-token log-probabilities, entropies and log-normalisers of a
linear head, from the same kernels as `linear_cross_entropy` (a tool, not a loss).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import (
  FLOAT,
  IGNORE_INDEX,
  LAYOUT,
  ArrayOption,
  AxisName,
  Float,
  Role,
  declare,
)
from lossjax.large_vocabulary.kernels import CHUNK_OPTION, HIDDEN, SOFTCAP_OPTION, per_token

Array = jax.Array


class TokenStats(NamedTuple):
  """Per-token statistics of a linear layer's softmax (`linear_token_stats`)."""

  log_prob: Array  #: log p(target): 0 at ignored or masked tokens, NaN at out-of-range ones
  lse: Array  #: log Σ_c exp(z_c)
  entropy: Array  #: -Σ_c p_c log p_c
  argmax: Array  #: int32 index of the largest logit (first occurrence); -1 at masked tokens


@declare(reductions=None, input=HIDDEN, linear_weight=FLOAT,
         target=Role("index", optional=True), linear_bias=ArrayOption("float"), layout=LAYOUT,
         temperature=Float(lo=0.0, lo_open=True), ignore_index=IGNORE_INDEX,
         logit_softcap=SOFTCAP_OPTION, token_chunk=CHUNK_OPTION, vocab_chunk=CHUNK_OPTION,
         axis_name=AxisName())
def linear_token_stats(
    input: ArrayLike,
    linear_weight: ArrayLike,
    target: ArrayLike | None = None,
    *,
    linear_bias: ArrayLike | None = None,
    layout: str = "vd",
    temperature: float = 1.0,
    logit_softcap: float | None = None,
    ignore_index: int | None = -100,
    where: ArrayLike | None = None,
    token_chunk: int | None = None,
    vocab_chunk: int | None = None,
    axis_name: str | None = None,
) -> TokenStats:
  r"""Per-token log-probabilities, log-sum-exp, entropy and argmax of a linear layer's softmax.

  What RL and preference training need from a language model's head, without
  the ``[tokens, vocab]`` logits (the same chunked kernel as
  `linear_cross_entropy`). With $z = \mathrm{softcap}(x W^\top + b) / T$ and
  $p = \mathrm{softmax}(z)$, per token:

  - ``log_prob`` $= z_y - \mathrm{lse}(z)$, the log-probability of the target
    (TRL's ``selective_log_softmax``), differentiable;
  - ``lse`` $= \log \sum_c e^{z_c}$, differentiable;
  - ``entropy`` $= \mathrm{lse}(z) - \sum_c p_c z_c$ (TRL's
    ``entropy_from_logits``), differentiable: an entropy bonus trains through
    it, with gradient $p_c(\mathbb{E}_p[z] - z_c)$;
  - ``argmax``: the predicted token (``argmax == target`` is the token
    accuracy), not differentiable.

  Masked tokens (``where``) give 0 (argmax -1) and no gradient; a target equal
  to ``ignore_index`` gives ``log_prob`` 0 (its entropy and argmax stay).

  Args:
    input: ``[..., D]`` hidden states.
    linear_weight: ``[V, D]`` (``layout="vd"``, torch's) or ``[D, V]`` (``layout="dv"``).
    target: optional integer ``[...]`` tokens whose log-probabilities to return
      (without: ``log_prob`` is None).
    linear_bias: optional ``[V]``.
    layout: "vd" (default) or "dv".
    temperature: T > 0, dividing the logits (sampling temperature).
    logit_softcap: c > 0 for soft-capping before the temperature, or None.
    ignore_index: targets equal to it get ``log_prob`` 0; None: none do.
    where: boolean mask broadcastable to ``input.shape[:-1]``.
    token_chunk: tokens per block (None: the platform's).
    vocab_chunk: vocabulary entries per block (None: the platform's).
    axis_name: vocabulary-parallel mode, as in `linear_cross_entropy`.

  Returns:
    A `TokenStats` of arrays of shape ``input.shape[:-1]``.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> x = jax.random.normal(jax.random.key(0), (4, 16), jnp.float32)
    >>> w = jax.random.normal(jax.random.key(1), (50, 16), jnp.float32) / 4
    >>> y = jnp.array([1, 2, 3, 4], jnp.int32)
    >>> s = lj.linear_token_stats(x, w, y, vocab_chunk=16)
    >>> logp = jax.nn.log_softmax(x @ w.T)
    >>> print(jnp.allclose(s.log_prob, jnp.take_along_axis(logp, y[:, None], 1)[:, 0], atol=1e-5))
    True
    >>> print(jnp.array_equal(s.argmax, jnp.argmax(x @ w.T, axis=-1).astype(jnp.int32)))
    True

  References:
    TRL ``selective_log_softmax`` and ``entropy_from_logits``
    (trl/trainer/utils.py); Liger Kernel's fused linear cross-entropy
    (``return_token_accuracy``).
  """
  name = core.loss_name()
  x, w, y = input, linear_weight, target
  labels = jnp.zeros(x.shape[:-1], jnp.int32) if y is None else y
  r = per_token(name, x, w, labels, linear_bias, None, layout=layout,
                 ignore_index=None if y is None else ignore_index, label_smoothing=0.0,
                 z_loss=0.0, logit_softcap=logit_softcap, where=where,
                 token_chunk=token_chunk, vocab_chunk=vocab_chunk,
                 axis_name=axis_name, stats=True, temperature=temperature)
  keep = r.keep
  if keep is not None:
    keep = jnp.broadcast_to(keep, r.loss.shape)
  zero = lambda v: v if keep is None else jnp.where(keep, v, jnp.zeros_like(v))  # noqa: E731
  log_prob = None
  if y is not None:
    log_prob = -r.loss
    if r.valid is not None:
      log_prob = jnp.where(r.valid, log_prob, jnp.zeros_like(log_prob))
    log_prob = zero(core.poison(log_prob, r.out_of_range))
  argmax = r.argmax if keep is None else jnp.where(keep, r.argmax, -1)
  return TokenStats(log_prob, zero(r.lse), zero(r.entropy), argmax)
