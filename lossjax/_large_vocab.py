"""Large-vocabulary cross-entropy that never materialises the ``[tokens, vocab]`` logits."""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import (
    FLOAT,
    IGNORE_INDEX,
    INDEX,
    LABEL_SMOOTHING,
    ArrayOption,
    AxisName,
    Bool,
    Choice,
    Float,
    Int,
    declare,
)
from lossjax._spec import LossSpec

Array = jax.Array

__all__ = ["linear_cross_entropy"]

#: Default chunk sizes (token_chunk, vocab_chunk) per platform, chosen when the
#: program is lowered. A block of logits is ``[token_chunk, vocab_chunk]``
#: float32: small enough that the backward pass's few live blocks stay far
#: below the naive ``[N, V]`` logits, large enough that each block is one
#: efficient matmul.
#: - CPU: 4096 x 2048 (32 MiB blocks), measured here: BENCHMARKS.md and
#:   benchmarks/linear_cross_entropy.py.
#: - GPU: 1024 x 2048, Levanter's and tokamax's blocks (1024 tokens x 2048
#:   vocabulary entries); not yet measured by lossjax on a GPU.
#: - TPU: 1024 x 8192, XLA's TPU vocabulary blocks of 8,192 to 16,384; not yet
#:   measured by lossjax on a TPU.
CHUNKS = {"cpu": (4096, 2048), "gpu": (1024, 2048), "tpu": (1024, 8192)}


class _Config(NamedTuple):
  layout: str  # "dv" ([D, V]) or "vd" ([V, D])
  vocab_size: int  # the full vocabulary (all shards)
  label_smoothing: float
  z_loss: float
  softcap: float | None
  token_chunk: int
  vocab_chunk: int
  axis_name: str | None  # vocabulary-parallel mesh axis, inside shard_map
  dtype: str  # compute dtype


def _varying_axes(x) -> set[str]:
  t = jax.typeof(x)
  mat = getattr(t, "manual_axis_type", None)  # jax >= 0.10
  return set(mat.varying) if mat is not None else set(getattr(t, "vma", ()))


def _varying_like(refs, *xs):
  """Gives loop carries the mesh axes the inputs vary over (shard_map's type system).

  Inside ``shard_map`` a scan's initial carry (fresh zeros) must vary over the
  same manual axes as the values the loop body produces; outside it this is a
  no-op.
  """
  axes = set()
  for r in refs:
    if r is not None:
      axes |= _varying_axes(r)
  out = []
  for x in xs:
    missing = tuple(sorted(axes - _varying_axes(x)))
    out.append(lax.pcast(x, missing, to="varying") if missing else x)
  return out


def _sum_to_primal(ct, primal):
  """psum a cotangent over the mesh axes it varies over but its primal does not."""
  extra = tuple(sorted(_varying_axes(ct) - _varying_axes(primal)))
  return lax.psum(ct, extra) if extra else ct


def _chunks(total: int, size: int) -> list[tuple[int, int, int]]:
  """Static (start, size, count) runs covering [0, total): full chunks, then a remainder."""
  size = max(1, min(size, total))
  full, rest = divmod(total, size)
  runs = [(0, size, full)] if full else []
  if rest:
    runs.append((full * size, rest, 1))
  return runs


def _weight_block(w: Array, start, size: int, layout: str) -> Array:
  axis = 1 if layout == "dv" else 0
  return lax.dynamic_slice_in_dim(w, start, size, axis=axis)


def _logits(h: Array, w_blk: Array, b_blk: Array | None, cfg: _Config) -> tuple[Array, Array]:
  """Block logits in the compute dtype, after bias and soft-capping; also pre-cap logits."""
  dtype = jnp.dtype(cfg.dtype)
  if h.dtype != w_blk.dtype:
    h, w_blk = h.astype(dtype), w_blk.astype(dtype)
  contract = ((1,), (0,)) if cfg.layout == "dv" else ((1,), (1,))
  # Same-dtype 16-bit operands stay 16-bit: their products are exact in float32,
  # and the accumulation is float32 (preferred_element_type).
  x = lax.dot_general(h, w_blk, (contract, ((), ())), preferred_element_type=dtype)
  if b_blk is not None:
    x = x + b_blk.astype(dtype)[None, :]
  if cfg.softcap is None:
    return x, x
  return cfg.softcap * jnp.tanh(x / cfg.softcap), x


def _vocab_offset(cfg: _Config, local_v: int):
  return 0 if cfg.axis_name is None else lax.axis_index(cfg.axis_name) * local_v


def _token_stats(h: Array, w: Array, b: Array | None, labels: Array, cfg: _Config):
  """Online log-sum-exp over vocabulary chunks for one block of tokens.

  Returns per token: running max m, sum of exp(z - m), the label's logit and
  the sum of all logits (for label smoothing), all over the local vocabulary.
  """
  dtype = jnp.dtype(cfg.dtype)
  local_v = w.shape[1] if cfg.layout == "dv" else w.shape[0]
  offset = _vocab_offset(cfg, local_v)
  n = h.shape[0]
  init = tuple(_varying_like(
      (h, w, b, labels), jnp.full((n,), -jnp.inf, dtype), jnp.zeros((n,), dtype),
      jnp.zeros((n,), dtype), jnp.zeros((n,), dtype)))

  def step(carry, start, size):
    m, s, zy, zsum = carry
    z, _ = _logits(h, _weight_block(w, start, size, cfg.layout),
                   None if b is None else lax.dynamic_slice_in_dim(b, start, size), cfg)
    m_new = jnp.maximum(m, jnp.max(z, axis=1))
    # Online log-sum-exp: rescale the running sum to the new max (exp(-inf) = 0 at the start).
    s = s * jnp.exp(m - m_new) + jnp.sum(jnp.exp(z - m_new[:, None]), axis=1)
    # The label's logit by a one-hot compare (fuses into the block; no gather).
    cols = (offset + start + jnp.arange(size)).astype(labels.dtype)
    zy = zy + jnp.sum(jnp.where(labels[:, None] == cols[None, :], z, 0.0), axis=1)
    return (m_new, s, zy, zsum + jnp.sum(z, axis=1))

  carry = init
  for start, size, count in _chunks(local_v, cfg.vocab_chunk):
    if count == 1:
      carry = step(carry, start, size)
    else:
      carry, _ = lax.scan(lambda c, i, size=size: (step(c, i * size, size), None), carry,
                          jnp.arange(count))
  return carry


def _forward_tokens(h, w, b, labels, cfg: _Config):
  """Per-token (loss, lse) for a block of tokens, combining vocabulary shards if any."""
  m, s, zy, zsum = _token_stats(h, w, b, labels, cfg)
  if cfg.axis_name is not None:
    # Vocabulary-parallel: combine partial log-sum-exps across shards; the
    # label's logit lives on exactly one shard, the others contribute 0.
    m_all = lax.pmax(m, cfg.axis_name)
    s = lax.psum(s * jnp.exp(m - m_all), cfg.axis_name)
    m = m_all
    zy, zsum = lax.psum(zy, cfg.axis_name), lax.psum(zsum, cfg.axis_name)
  lse = m + jnp.log(s)
  eps = cfg.label_smoothing
  # CE with label smoothing: (1 - ε)(lse - z_y) + ε/V Σ_c (lse - z_c).
  loss = lse - (1.0 - eps) * zy - (eps / cfg.vocab_size) * zsum
  if cfg.z_loss:
    loss = loss + cfg.z_loss * jnp.square(lse)
  return loss, lse


def _over_token_chunks(fn, n: int, size: int, *arrays):
  """Applies fn to token blocks (leading axis) and concatenates the results."""
  outs = []
  for start, sz, count in _chunks(n, size):
    blocks = [lax.slice_in_dim(a, start, start + sz * count) for a in arrays]
    if count == 1:
      outs.append(fn(*blocks))
    else:
      reshaped = [a.reshape((count, sz) + a.shape[1:]) for a in blocks]
      res = lax.map(lambda xs: fn(*xs), reshaped)
      outs.append(jax.tree.map(lambda r, n=count * sz: r.reshape((n,) + r.shape[2:]), res))
  return jax.tree.map(lambda *rs: jnp.concatenate(rs) if len(rs) > 1 else rs[0], *outs)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def _lce(cfg: _Config, h, w, b, labels):
  if h.shape[0] == 0:  # no tokens: nothing to compute (an empty batch's mean is 0)
    empty = jnp.zeros((0,), cfg.dtype)
    return empty, empty
  return _over_token_chunks(
      lambda hh, ll: _forward_tokens(hh, w, b, ll, cfg), h.shape[0], cfg.token_chunk, h, labels)


def _lce_fwd(cfg, h, w, b, labels):
  loss, lse = _lce(cfg, h, w, b, labels)
  # Residuals are O(N): the per-token log-sum-exp, never the logits.
  return (loss, lse), (h, w, b, labels, lse)


def _lce_bwd(cfg, res, cts):
  h, w, b, labels, lse = res
  g_loss, g_lse = cts
  dtype = jnp.dtype(cfg.dtype)
  eps = cfg.label_smoothing
  n, d = h.shape
  local_v = w.shape[1] if cfg.layout == "dv" else w.shape[0]
  offset = _vocab_offset(cfg, local_v)
  # dloss/dz_c = p_c (1 + 2 zl lse) - (1 - ε) 1[c = y] - ε/V; dlse/dz_c = p_c.
  p_scale = (g_loss * (1.0 + 2.0 * cfg.z_loss * lse) + g_lse).astype(dtype)
  g = g_loss.astype(dtype)
  refs = (h, w, b, labels, lse, g_loss, g_lse)

  def block_grad(hh, ll, lse_t, ps_t, g_t, start, size):
    """dz for one [tokens, vocab] block, recomputed from the same logits as the forward."""
    w_blk = _weight_block(w, start, size, cfg.layout)
    b_blk = None if b is None else lax.dynamic_slice_in_dim(b, start, size)
    z, x = _logits(hh, w_blk, b_blk, cfg)
    cols = (offset + start + jnp.arange(size)).astype(ll.dtype)
    onehot = ll[:, None] == cols[None, :]
    dz = jnp.exp(z - lse_t[:, None]) * ps_t[:, None] - g_t[:, None] * (
        jnp.where(onehot, 1.0 - eps, 0.0) + eps / cfg.vocab_size)
    if cfg.softcap is not None:
      dz = dz * (1.0 - jnp.square(jnp.tanh(x / cfg.softcap)))  # d softcap / dx
    return dz, w_blk

  def vocab_block(dh, start, size):
    """Gradients of one vocabulary block: its dW/db rows, and its share of dh."""
    dw_blk, db_blk = _varying_like(
        refs, jnp.zeros((d, size) if cfg.layout == "dv" else (size, d), dtype),
        jnp.zeros((size,), dtype))
    for t0, tsz, tcount in _chunks(n, cfg.token_chunk):

      def token_block(carry, j, t0=t0, tsz=tsz):
        dh, dw_blk, db_blk = carry
        ts = t0 + j * tsz
        sl = functools.partial(lax.dynamic_slice_in_dim, start_index=ts, slice_size=tsz)
        hh = sl(h)
        dz, w_blk = block_grad(hh, sl(labels), sl(lse), sl(p_scale), sl(g), start, size)
        # dz stays in the compute dtype; 16-bit h / W blocks enter the matmuls
        # as they are (mixed-dtype dot, float32 accumulation). Casting them
        # would let XLA hoist a full-size float32 copy of W out of the loop.
        dzc = dz.astype(dtype)
        if cfg.layout == "dv":
          dh_part = lax.dot_general(dzc, w_blk, (((1,), (1,)), ((), ())),
                                    preferred_element_type=dtype)
          dw_blk = dw_blk + lax.dot_general(hh, dzc, (((0,), (0,)), ((), ())),
                                            preferred_element_type=dtype)
        else:
          dh_part = lax.dot_general(dzc, w_blk, (((1,), (0,)), ((), ())),
                                    preferred_element_type=dtype)
          dw_blk = dw_blk + lax.dot_general(dzc, hh, (((0,), (0,)), ((), ())),
                                            preferred_element_type=dtype)
        dh = lax.dynamic_update_slice_in_dim(dh, sl(dh) + dh_part, ts, axis=0)
        return (dh, dw_blk, db_blk + jnp.sum(dz, axis=0)), None

      carry = (dh, dw_blk, db_blk)
      if tcount == 1:
        carry, _ = token_block(carry, 0)
      else:
        carry, _ = lax.scan(token_block, carry, jnp.arange(tcount))
      dh, dw_blk, db_blk = carry
    return dh, dw_blk.astype(w.dtype), db_blk

  # The weight gradient is written block by block into one buffer updated in
  # place by the loop, never accumulated across token chunks at full size.
  dh, dw, db = _varying_like(
      refs, jnp.zeros((n, d), dtype), jnp.zeros(w.shape, w.dtype), jnp.zeros((local_v,), dtype))
  vaxis = 1 if cfg.layout == "dv" else 0
  for start, size, count in _chunks(local_v, cfg.vocab_chunk):

    def body(carry, i, start=start, size=size):
      dh, dw, db = carry
      v0 = start + i * size
      dh, dw_blk, db_blk = vocab_block(dh, v0, size)
      dw = lax.dynamic_update_slice_in_dim(dw, dw_blk, v0, axis=vaxis)
      db = lax.dynamic_update_slice_in_dim(db, db_blk, v0, axis=0)
      return (dh, dw, db), None

    if count == 1:
      (dh, dw, db), _ = body((dh, dw, db), 0)
    else:
      (dh, dw, db), _ = lax.scan(body, (dh, dw, db), jnp.arange(count))
  # Under shard_map, a gradient sums the contributions of every shard its
  # primal is replicated over: dh over vocabulary shards, dW and db over token
  # (batch) shards. Outside shard_map there is nothing to sum.
  dh = _sum_to_primal(dh, h)
  dw = _sum_to_primal(dw, w)
  db = None if b is None else _sum_to_primal(db, b).astype(b.dtype)
  labels_ct = np.zeros(labels.shape, jax.dtypes.float0)
  return dh.astype(h.dtype), dw, db, labels_ct


_lce.defvjp(_lce_fwd, _lce_bwd)


@declare(hidden=FLOAT, weight=FLOAT, labels=INDEX, bias=ArrayOption("float"),
         weight_layout=Choice(("dv", "vd")), ignore_index=IGNORE_INDEX,
         label_smoothing=LABEL_SMOOTHING, z_loss=Float(lo=0.0),
         logit_softcap=Float(lo=0.0, lo_open=True, optional=True),
         token_chunk=Int(lo=1, optional=True), vocab_chunk=Int(lo=1, optional=True),
         axis_name=AxisName(), return_lse=Bool())
def linear_cross_entropy(
    hidden: ArrayLike,
    weight: ArrayLike,
    labels: ArrayLike,
    *,
    bias: ArrayLike | None = None,
    weight_layout: str = "dv",
    ignore_index: int | None = -100,
    label_smoothing: float = 0.0,
    z_loss: float = 0.0,
    logit_softcap: float | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    token_chunk: int | None = None,
    vocab_chunk: int | None = None,
    axis_name: str | None = None,
    return_lse: bool = False,
) -> Array | tuple[Array, Array]:
  r"""Cross-entropy of ``hidden @ weight`` without materialising the logits.

  Equals ``cross_entropy(softcap(hidden @ weight + bias), labels, ...)`` plus
  ``z_loss * logsumexp(logits)**2`` per counted token (PaLM), but it never
  builds the ``[tokens, vocab]`` logits. The vocabulary is processed in
  chunks with an online log-sum-exp, and tokens are processed in chunks too.
  A ``custom_vjp`` keeps only the per-token log-sum-exp, which is O(N). The
  backward pass recomputes each logits block, so the forward and backward
  passes see the same logits. It writes the weight gradient block by block.
  With ``softcap(x) = c tanh(x / c)`` and $z = \mathrm{softcap}(h W + b)$,
  each token's loss is

  $$
  \ell = \mathrm{lse}(z) - (1-\varepsilon) z_y
  - \frac{\varepsilon}{V}\sum_c z_c + \lambda_z\, \mathrm{lse}(z)^2 .
  $$

  Math runs in float32 whatever the input dtype (float64 for float64 inputs
  with x64 on). Gradients wrt ``hidden``, ``weight`` and ``bias`` come back in
  their own dtypes.

  Args:
    hidden: ``[..., D]`` final hidden states.
    weight: ``[D, V]`` (``weight_layout="dv"``) or ``[V, D]``
      (``weight_layout="vd"``, the ``nn.Linear`` / PyTorch layout).
    labels: integer ``[...]`` token labels in ``[0, V)`` or ``ignore_index``.
    bias: optional ``[V]``.
    weight_layout: "dv" or "vd".
    ignore_index: labels equal to it are not counted; None: every label is.
    label_smoothing: ε in [0, 1].
    z_loss: λ_z ≥ 0, the weight of the log-sum-exp² term.
    logit_softcap: c > 0 for soft-capping (Gemma 2), or None.
    reduction: "mean" (default, over counted tokens), "sum" or "none".
    where: boolean mask broadcastable to ``labels``.
    token_chunk: tokens per block; None (the default): the platform's, chosen
      when the program is lowered (CPU 4096, GPU 1024, TPU 1024).
    vocab_chunk: vocabulary entries per block; None: the platform's (CPU
      2048, GPU 2048, TPU 8192). With the CPU defaults the temporary memory is
      a few blocks of 32 MiB, and each block is one efficient matmul.
    axis_name: vocabulary-parallel mode. Inside ``shard_map``, ``weight``
      (and ``bias``) hold this device's contiguous slice of the vocabulary
      along the mesh axis ``axis_name``, and the partial log-sum-exps are
      combined across it. ``labels`` stay global indices. Neither the full
      weight nor the logits is gathered.
    return_lse: also return the per-token log-sum-exp (shape ``labels``).

  Returns:
    The loss, or ``(loss, lse)`` with ``return_lse=True``.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> h = jax.random.normal(jax.random.key(0), (8, 16), jnp.float32)
    >>> w = jax.random.normal(jax.random.key(1), (16, 100), jnp.float32) / 4
    >>> y = jnp.arange(8)
    >>> a = lj.linear_cross_entropy(h, w, y, vocab_chunk=32)
    >>> b = lj.cross_entropy(h @ w, y)
    >>> print(f"{a:.4f} {b:.4f}")
    5.1709 5.1709

  References:
    Wijmans et al., "Cut Your Losses in Large-Vocabulary Language Models"
    (2024); Liger Kernel's fused linear cross-entropy; Chowdhery et al.,
    "PaLM" (2022) for the z-loss; PyTorch 2.13
    ``torch.nn.functional.linear_cross_entropy``.
  """
  name = "linear_cross_entropy"
  h, w, y = hidden, weight, labels
  if h.ndim < 1:
    raise ValueError(f"{name}: argument `hidden` has shape (), expected [..., D]")
  core.check_rank(name, "weight", w, 2)
  d = h.shape[-1]
  local_v = w.shape[1] if weight_layout == "dv" else w.shape[0]
  w_d = w.shape[0] if weight_layout == "dv" else w.shape[1]
  if w_d != d:
    raise ValueError(
        f"{name}: argument `weight` has shape {w.shape}, expected "
        f"{'(' + str(d) + ', V)' if weight_layout == 'dv' else '(V, ' + str(d) + ')'} "
        f"(hidden size {d}, weight_layout={weight_layout!r})")
  core.check_classes(name, "weight", w, 1 if weight_layout == "dv" else 0)
  core.check_shape(name, "labels", y, h.shape[:-1], " (hidden's shape without the last axis)")
  b = bias
  if b is not None:
    core.check_shape(name, "bias", b, (local_v,))
  vocab_size = local_v if axis_name is None else local_v * lax.axis_size(axis_name)
  keep = core.as_mask(name, where, y.shape)
  safe, valid, out_of_range = core.class_indices(
      name, "labels", y, vocab_size, ignore_index=ignore_index, where=keep,
      expected=f"class indices in [0, {vocab_size})"
      + ("" if ignore_index is None else f" or ignore_index={ignore_index}")
      + " (torch: Target is out of bounds)")
  dtype = core.compute_dtype(h, w, b)

  def run(platform):
    tokens, vocab = CHUNKS[platform]
    cfg = _Config(weight_layout, vocab_size, float(label_smoothing), float(z_loss),
                  None if logit_softcap is None else float(logit_softcap),
                  tokens if token_chunk is None else token_chunk,
                  vocab if vocab_chunk is None else vocab_chunk, axis_name, dtype.name)
    return _lce(cfg, h.reshape(-1, d), w, b, safe.reshape(-1))

  # A masked token's hidden state is replaced by 0 before the matmuls: a NaN
  # there would otherwise reach every entry of the weight gradient.
  h = core.masked_fill(keep, h)
  if token_chunk is not None and vocab_chunk is not None:
    loss, lse = run("cpu")  # both given: the same blocks on every platform
  else:  # the platform's blocks, chosen when the program is lowered
    loss, lse = jax.lax.platform_dependent(
        cpu=lambda: run("cpu"), cuda=lambda: run("gpu"), rocm=lambda: run("gpu"),
        tpu=lambda: run("tpu"), default=lambda: run("gpu"))
  loss = core.poison(loss.reshape(y.shape), out_of_range)
  loss = core.reduce_loss(name, loss, reduction, keep,
                          valid=None if ignore_index is None else valid)
  return (loss, lse.reshape(y.shape)) if return_lse else loss


def _ex_linear_ce(rng):
  return (rng.normal(size=(6, 8)), rng.normal(size=(8, 37)) / 3, rng.integers(0, 37, size=(6,))), {
      "bias": rng.normal(size=(37,)), "label_smoothing": 0.1, "z_loss": 1e-3,
      "logit_softcap": 5.0, "token_chunk": 4, "vocab_chunk": 16,
  }


SPECS = [
    LossSpec(linear_cross_entropy, "large-vocabulary", "LinearCrossEntropyLoss", _ex_linear_ce,
             differentiable=("hidden", "weight"), batched=("hidden", "labels"),
             mismatch=lambda args: (args[0], args[1][:-1], args[2]), forward_mode=False,
             source="Cut Cross-Entropy (Wijmans et al. 2024); torch 2.13 linear_cross_entropy",
             unbounded=("hidden",),
             bad_options={"weight_layout": "cd", "label_smoothing": -0.1, "z_loss": -1.0,
                          "logit_softcap": 0.0, "vocab_chunk": 0},
             classes={"weight": 1}),
]
