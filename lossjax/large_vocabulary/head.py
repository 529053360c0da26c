"""`linear_cross_entropy`: the cross-entropy of a linear head's logits ``input @ W.T``,
without materialising the ``[tokens, vocab]`` logits (the kernels are in `kernels`).
"""

from __future__ import annotations

import jax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import (
  FLOAT,
  IGNORE_INDEX,
  LABEL_SMOOTHING,
  LAYOUT,
  TARGET,
  WEIGHT,
  ArrayOption,
  AxisName,
  Bool,
  Float,
  declare,
)
from lossjax._spec import LossSpec
from lossjax.large_vocabulary.kernels import CHUNK_OPTION, HIDDEN, SOFTCAP_OPTION, per_token

__all__ = ["linear_cross_entropy"]


Array = jax.Array


@declare(input=HIDDEN, linear_weight=FLOAT, target=TARGET, linear_bias=ArrayOption("float"),
         weight=WEIGHT, layout=LAYOUT, ignore_index=IGNORE_INDEX,
         label_smoothing=LABEL_SMOOTHING.static(), z_loss=Float(lo=0.0).static(),
         logit_softcap=SOFTCAP_OPTION,
         token_chunk=CHUNK_OPTION, vocab_chunk=CHUNK_OPTION,
         axis_name=AxisName(), return_lse=Bool(), token_weight=ArrayOption("float"))
def linear_cross_entropy(
    input: ArrayLike,
    linear_weight: ArrayLike,
    target: ArrayLike,
    *,
    linear_bias: ArrayLike | None = None,
    weight: ArrayLike | None = None,
    layout: str = "vd",
    ignore_index: int | None = -100,
    label_smoothing: float = 0.0,
    z_loss: float = 0.0,
    logit_softcap: float | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    token_weight: ArrayLike | None = None,
    token_chunk: int | None = None,
    vocab_chunk: int | None = None,
    axis_name: str | None = None,
    return_lse: bool = False,
) -> Array | tuple[Array, Array]:
  r"""Cross-entropy of a linear layer's logits without materialising them; torch 2.13's signature.

  ``linear_cross_entropy(input, linear_weight, target, ...)`` equals
  ``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``
  as torch 2.13's ``F.linear_cross_entropy`` defines it: ``linear_weight`` is
  ``[V, D]`` (``nn.Linear``'s layout), ``weight`` holds class weights,
  ``target`` holds class indices or class probabilities, and a
  ``linear_weight`` of shape ``[V, d1, ..., dK, D]`` gives torch's
  K-dimensional loss. It never builds the ``[tokens, vocab]`` logits: the
  vocabulary is processed in chunks with an online log-sum-exp, tokens in
  chunks too, and a ``custom_vjp`` keeps only two numbers per token (the
  log-sum-exp and the label's logit). The backward pass recomputes each
  logits block, so both passes see the same logits, and writes the weight
  gradient block by block.

  With $z = \mathrm{softcap}(x W^\top + b)$ (``softcap(x) = c tanh(x / c)``),
  class weights $w$ (1 without) and $\mathrm{lse} = \log\sum_c e^{z_c}$, a
  class index $y$ costs

  $$
  \ell = (1-\varepsilon)\, w_y (\mathrm{lse} - z_y)
  + \frac{\varepsilon}{V}\sum_c w_c (\mathrm{lse} - z_c)
  + \lambda_z\, \mathrm{lse}^2 ,
  $$

  and "mean" divides by $\sum w_y$ over the counted tokens (torch's rule).
  Class probabilities $t$ cost $\sum_c w_c t'_c (\mathrm{lse} - z_c)$ with
  $t' = (1-\varepsilon)t + \varepsilon/V$, and "mean" divides by the number
  of tokens. The z-loss (PaLM) and soft-capping (Gemma 2) are lossjax's
  additions; they default to off.

  Math runs in float32 whatever the input dtype (float64 for float64 inputs
  with x64 on). Gradients wrt ``input``, ``linear_weight``, ``linear_bias``,
  ``weight`` and probability targets come back in their own dtypes.

  Args:
    input: ``[..., D]`` final hidden states (torch: ``[D]`` or ``[N, D]``).
    linear_weight: ``[V, D]`` (``layout="vd"``, the default: torch's and
      ``nn.Linear``'s), or ``[D, V]`` with ``layout="dv"`` (a Flax ``Dense``
      kernel). ``[V, d1, ..., dK, D]`` (``[D, V, d1, ..., dK]``) gives one
      softmax over V per position of ``d1, ..., dK``, torch's K-dimensional
      loss.
    target: integer class indices of shape ``input.shape[:-1] + (d1, ...)``
      in ``[0, V)`` or ``ignore_index``; or float class probabilities of the
      logits' shape ``input.shape[:-1] + (V, d1, ...)``.
    linear_bias: optional ``[V]`` (``[V, d1, ..., dK]``).
    weight: optional ``[V]`` class weights (all V classes, also with
      ``axis_name``).
    layout: "vd" (default) or "dv": which way round ``linear_weight`` is.
    ignore_index: class-index targets equal to it are not counted; None:
      every target is (torch maps None to -100: lossjax keeps None as "off",
      so a -100 target then gives NaN, not a silent number).
    label_smoothing: ε in [0, 1].
    z_loss: λ_z ≥ 0, the weight of the log-sum-exp² term.
    logit_softcap: c > 0 for soft-capping (Gemma 2), or None.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-token loss.
    token_weight: optional float weight per token (broadcastable to the
      per-token loss): it multiplies the token's loss, and "mean" divides by
      the summed weights of the counted tokens (times their class weights),
      as Levanter's and NeMo's loss masks do. lossjax's addition.
    token_chunk: tokens per block; None (the default): the platform's, chosen
      when the program is lowered (CPU 4096, GPU 1024, TPU 1024; on CPU a
      reduced loss with class-index targets runs a one-pass kernel whose blocks
      are about 2^25 logits, at most 512 tokens, against the whole vocabulary).
    vocab_chunk: vocabulary entries per block; None: the platform's (CPU
      2048, GPU 2048, TPU 8192). Giving it selects the two-pass kernel on CPU
      too. The blocks trade memory for time: on a 2-core CPU the default
      one-pass kernel took 0.92x-1.04x of the naive program's time with 0.13 to
      0.25 GiB of temporaries, and ``token_chunk=1024, vocab_chunk=1024`` took
      1.02x-1.29x with 0.008 to 0.08 GiB, at most tokamax's chunked kernel's at
      the four shapes measured (BENCHMARKS.md, ``benchmarks/linear_cross_entropy.py
      --frontier``).
    axis_name: vocabulary-parallel mode. Inside ``shard_map``,
      ``linear_weight`` and ``linear_bias`` (and probability targets) hold
      this device's contiguous slice of the vocabulary along the mesh axis
      ``axis_name``, and the partial log-sum-exps are combined across it.
      Class-index targets and ``weight`` stay global. Neither the full weight
      nor the logits is gathered.
    return_lse: also return the per-token log-sum-exp (the loss's shape
      without reduction).

  Returns:
    The loss, or ``(loss, lse)`` with ``return_lse=True``.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> x = jax.random.normal(jax.random.key(0), (8, 16), jnp.float32)
    >>> w = jax.random.normal(jax.random.key(1), (100, 16), jnp.float32) / 4
    >>> y = jnp.arange(8)
    >>> a = lj.linear_cross_entropy(x, w, y, vocab_chunk=32)
    >>> b = lj.cross_entropy(x @ w.T, y)
    >>> print(f"{a:.4f} {b:.4f}")
    5.1333 5.1333

  References:
    PyTorch 2.13 ``torch.nn.functional.linear_cross_entropy``; Wijmans et
    al., "Cut Your Losses in Large-Vocabulary Language Models" (2024); Liger
    Kernel's fused linear cross-entropy; Chowdhery et al., "PaLM" (2022) for
    the z-loss.
  """
  name = core.loss_name()
  r = per_token(name, input, linear_weight, target, linear_bias, weight, layout=layout,
                 ignore_index=ignore_index, label_smoothing=label_smoothing, z_loss=z_loss,
                 logit_softcap=logit_softcap, where=where, token_chunk=token_chunk,
                 vocab_chunk=vocab_chunk, axis_name=axis_name, token_weight=token_weight,
                 reduction=None if return_lse else reduction)
  if r.parts is not None:
    total, count, poisoned = r.parts
    if reduction == "parts":  # an out-of-range target poisons the total the parts carry
      return core.reduce_parts(total if poisoned is None else core.poison(total, poisoned),
                               count, reduction)
    loss = core.reduce_parts(total, count, reduction)
    return loss if poisoned is None else core.poison(loss, poisoned)
  loss, norm = r.loss, r.norm
  if r.out_of_range is not None:
    loss = core.poison(loss, r.out_of_range)
  loss = core.reduce_loss(name, loss, reduction, r.keep,
                          valid=None if ignore_index is None else r.valid, norm_weight=norm)
  return (loss, r.lse) if return_lse else loss


def _ex_linear_ce(rng):
  return (rng.normal(size=(6, 8)), rng.normal(size=(37, 8)) / 3, rng.integers(0, 37, size=(6,))), {
      # No vocab_chunk and no label smoothing beside the class weights: "mean"
      # and "sum" take the fused path on CPU, "none" the general kernel, so the
      # generic tests cover both (tests/large_vocabulary/test_head.py compares them).
      "linear_bias": rng.normal(size=(37,)), "weight": rng.uniform(0.5, 2.0, size=(37,)),
      "z_loss": 1e-3, "logit_softcap": 5.0, "token_chunk": 4,
  }


SPECS = [
    LossSpec(linear_cross_entropy, "LinearCrossEntropyLoss", _ex_linear_ce,
             differentiable=("input", "linear_weight"), batched=("input", "target"),
             mismatch=lambda args: (args[0], args[1][:, :-1], args[2]), forward_mode=False,
             source="torch 2.13 linear_cross_entropy; Cut Cross-Entropy (Wijmans et al. 2024)",
             unbounded=("input",),
             bad_options={"layout": "cd", "label_smoothing": -0.1, "z_loss": -1.0,
                          "logit_softcap": 0.0, "vocab_chunk": 0},
             classes={"linear_weight": 0}),
]
