"""The chunked and fused kernels behind `linear_cross_entropy` and `linear_token_stats`: an
online log-sum-exp over vocabulary chunks with a ``custom_vjp`` that recomputes each chunk in
the backward pass, their per-platform block sizes, and the options both share.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lossjax import _core as core
from lossjax._declare import (
  FLOAT,
  Float,
  Int,
)

Array = jax.Array


# The options linear_cross_entropy and linear_token_stats share, declared once.
#: Static: the kernels take it (and label smoothing, the z-loss) as compile-time constants.
SOFTCAP_OPTION = Float(lo=0.0, lo_open=True, optional=True).static()


CHUNK_OPTION = Int(lo=1, optional=True)
#: Hidden states: [..., D].
HIDDEN = FLOAT.at_least(1, "[..., D]")


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
  layout: str  # "vd" ([V, D], torch's) or "dv" ([D, V])
  vocab_size: int  # the full vocabulary (all shards)
  smooth: float  # class-index targets: ε / V, the uniform part of every class's coefficient
  z_loss: float
  softcap: float | None
  token_chunk: int
  vocab_chunk: int
  axis_name: str | None  # vocabulary-parallel mesh axis, inside shard_map
  dtype: str  # compute dtype
  stats: bool = False  # also the softmax's entropy and the argmax per token
  temperature: float = 1.0  # the logits are softcap(x) / temperature


class _Target(NamedTuple):
  """A token's loss is ``total * lse - Σ_c a_c z_c`` (+ the z-loss); this holds the a_c.

  Class indices: ``a_c = coef 1[c = y] + smooth w_c`` (w_c = 1 without class
  weights), so nothing of size [N, V] exists. Probabilities: ``a_c = dense_c``
  (``w_c t'_c``, computed by the caller). ``total = Σ_c a_c``.
  """

  labels: Array  # [N] safe class indices (zeros for probability targets)
  coef: Array  # [N] the label's coefficient (1 - ε) w_y; zeros for probability targets
  total: Array  # [N]
  dense: Array | None  # [N, V_local] probability coefficients, or None
  class_weight: Array | None  # [V_local] w_c of the uniform part, or None


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
  z = x if cfg.softcap is None else cfg.softcap * jnp.tanh(x / cfg.softcap)
  return (z if cfg.temperature == 1.0 else z / cfg.temperature), x


def _vocab_offset(cfg: _Config, local_v: int):
  return 0 if cfg.axis_name is None else lax.axis_index(cfg.axis_name) * local_v


def _local_vocab(w: Array, layout: str) -> int:
  return w.shape[1] if layout == "dv" else w.shape[0]


def _uniform_block(t: _Target, start, size: int, cfg: _Config, dtype) -> Array | float:
  """smooth * w_c over one vocabulary block ([1, size], or a scalar without class weights)."""
  if t.class_weight is None:
    return cfg.smooth
  return cfg.smooth * lax.dynamic_slice_in_dim(t.class_weight, start, size).astype(dtype)[None, :]


def _token_stats(h: Array, w: Array, b: Array | None, t: _Target, cfg: _Config):
  """Online log-sum-exp over vocabulary chunks for one block of tokens.

  Returns per token: the running max m, the sum of exp(z - m), the label's
  logit z_y and the rest of Σ_c a_c z_c (the uniform or dense part), all over
  the local vocabulary; with ``cfg.stats`` also Σ_c exp(z_c - m) z_c (for the
  entropy) and the index of the max (its first occurrence).
  """
  dtype = jnp.dtype(cfg.dtype)
  local_v = _local_vocab(w, cfg.layout)
  offset = _vocab_offset(cfg, local_v)
  n = h.shape[0]
  init = tuple(_varying_like(
      (h, w, b, *t), jnp.full((n,), -jnp.inf, dtype), jnp.zeros((n,), dtype),
      jnp.zeros((n,), dtype), jnp.zeros((n,), dtype), jnp.zeros((n,), dtype),
      jnp.zeros((n,), jnp.int32)))

  def step(carry, start, size):
    m, s, zy, zrest, s1, arg = carry
    z, _ = _logits(h, _weight_block(w, start, size, cfg.layout),
                   None if b is None else lax.dynamic_slice_in_dim(b, start, size), cfg)
    block_max = jnp.max(z, axis=1)
    m_new = jnp.maximum(m, block_max)
    # Online log-sum-exp: rescale the running sum to the new max (exp(-inf) = 0 at the start).
    e = jnp.exp(z - m_new[:, None])
    rescale = jnp.exp(m - m_new)
    s = s * rescale + jnp.sum(e, axis=1)
    if cfg.stats:
      s1 = s1 * rescale + jnp.sum(e * z, axis=1)
      # A later block wins only with a strictly larger max: the first occurrence, as argmax.
      arg = jnp.where(block_max > m, (offset + start + jnp.argmax(z, axis=1)).astype(jnp.int32),
                      arg)
    if t.dense is not None:
      a = lax.dynamic_slice_in_dim(t.dense, start, size, axis=1).astype(dtype)
      return (m_new, s, zy, zrest + jnp.sum(a * z, axis=1), s1, arg)
    # The label's logit by a one-hot compare (fuses into the block; no gather).
    cols = (offset + start + jnp.arange(size)).astype(t.labels.dtype)
    zy = zy + jnp.sum(jnp.where(t.labels[:, None] == cols[None, :], z, 0.0), axis=1)
    if cfg.smooth:
      zrest = zrest + jnp.sum(_uniform_block(t, start, size, cfg, dtype) * z, axis=1)
    return (m_new, s, zy, zrest, s1, arg)

  carry = init
  for start, size, count in _chunks(local_v, cfg.vocab_chunk):
    if count == 1:
      carry = step(carry, start, size)
    else:
      carry, _ = lax.scan(lambda c, i, size=size: (step(c, i * size, size), None), carry,
                          jnp.arange(count))
  return carry


def _forward_tokens(h, w, b, t: _Target, cfg: _Config):
  """Per-token (loss, lse, entropy, argmax, z_y, E[z]) for a block of tokens.

  Combines vocabulary shards if any. Without ``cfg.stats`` the entropy,
  argmax and E[z] are zeros.
  """
  m, s, zy, zrest, s1, arg = _token_stats(h, w, b, t, cfg)
  if cfg.axis_name is not None:
    # Vocabulary-parallel: combine partial log-sum-exps across shards; the
    # label's logit lives on exactly one shard, the others contribute 0.
    m_all = lax.pmax(m, cfg.axis_name)
    rescale = jnp.exp(m - m_all)
    s = lax.psum(s * rescale, cfg.axis_name)
    if cfg.stats:
      s1 = lax.psum(s1 * rescale, cfg.axis_name)
      # The lowest index among the shards that hold the max.
      arg = lax.pmin(jnp.where(m == m_all, arg, jnp.iinfo(jnp.int32).max), cfg.axis_name)
    m = m_all
    zy, zrest = lax.psum(zy, cfg.axis_name), lax.psum(zrest, cfg.axis_name)
  lse = m + jnp.log(s)
  mean_z = entropy = s1  # zeros without cfg.stats
  if cfg.stats:
    # Entropy lse - E_p[z], with E_p[z] = Σ_c e^(z_c - m) z_c / Σ_c e^(z_c - m).
    mean_z = s1 / s
    entropy = lse - mean_z
  # Σ_c a_c (lse - z_c): with class indices (1 - ε) w_y (lse - z_y) + ε/V Σ_c w_c (lse - z_c).
  loss = t.total * lse - t.coef * zy - zrest
  if cfg.z_loss:
    loss = loss + cfg.z_loss * jnp.square(lse)
  return loss, lse, entropy, arg, zy, mean_z


def _over_token_chunks(fn, n: int, size: int, *arrays):
  """Applies fn to token blocks (leading axis; None passes through) and concatenates."""
  outs = []
  for start, sz, count in _chunks(n, size):
    blocks = [None if a is None else lax.slice_in_dim(a, start, start + sz * count) for a in arrays]
    if count == 1:
      outs.append(fn(*blocks))
    else:
      live = [i for i, a in enumerate(blocks) if a is not None]

      def one(xs, live=live):
        full = [None] * len(arrays)
        for i, x in zip(live, xs):
          full[i] = x
        return fn(*full)

      res = lax.map(one, [blocks[i].reshape((count, sz) + blocks[i].shape[1:]) for i in live])
      outs.append(jax.tree.map(lambda r, n=count * sz: r.reshape((n,) + r.shape[2:]), res))
  return jax.tree.map(lambda *rs: jnp.concatenate(rs) if len(rs) > 1 else rs[0], *outs)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def _lce(cfg: _Config, h, w, b, t: _Target):
  """Per-token (loss, lse, entropy, argmax); see `_Target` for the loss."""
  return _lce_fwd(cfg, h, w, b, t)[0]


def _lce_fwd(cfg, h, w, b, t):
  if h.shape[0] == 0:  # no tokens: nothing to compute (an empty batch's mean is 0)
    empty = jnp.zeros((0,), cfg.dtype)
    return (empty, empty, empty, jnp.zeros((0,), jnp.int32)), (h, w, b, t, empty, empty, empty)

  def block(hh, ll, cc, tt, dd):
    return _forward_tokens(hh, w, b, _Target(ll, cc, tt, dd, t.class_weight), cfg)

  loss, lse, entropy, arg, zy, mean_z = _over_token_chunks(
      block, h.shape[0], cfg.token_chunk, h, t.labels, t.coef, t.total, t.dense)
  # Residuals are O(N) (per token: log-sum-exp, label logit, E[z]), never the logits.
  return (loss, lse, entropy, arg), (h, w, b, t, lse, zy, mean_z)


def _lce_bwd(cfg, res, cts):
  h, w, b, t, lse, zy, mean_z = res
  g_loss, g_lse, g_ent = cts[:3]
  dtype = jnp.dtype(cfg.dtype)
  n, d = h.shape
  local_v = _local_vocab(w, cfg.layout)
  offset = _vocab_offset(cfg, local_v)
  # dloss/dz_c = p_c (total + 2 zl lse) - a_c; dlse/dz_c = p_c;
  # dentropy/dz_c = p_c (E[z] - z_c), the part that depends on z_c added per block.
  p_scale = g_loss * (t.total + 2.0 * cfg.z_loss * lse) + g_lse
  if cfg.stats:
    p_scale = p_scale + g_ent * mean_z
  p_scale = p_scale.astype(dtype)
  g_ent = g_ent.astype(dtype)
  g = g_loss.astype(dtype)
  refs = (h, w, b, *t, lse, g_loss, g_lse, g_ent)
  want_dcw = t.class_weight is not None and bool(cfg.smooth)

  def block_grad(hh, ll, cc, lse_t, ps_t, g_t, ge_t, dense_t, start, size):
    """dz for one [tokens, vocab] block, recomputed from the same logits as the forward."""
    w_blk = _weight_block(w, start, size, cfg.layout)
    b_blk = None if b is None else lax.dynamic_slice_in_dim(b, start, size)
    z, x = _logits(hh, w_blk, b_blk, cfg)
    if dense_t is not None:
      a = dense_t.astype(dtype)
    else:
      cols = (offset + start + jnp.arange(size)).astype(ll.dtype)
      a = jnp.where(ll[:, None] == cols[None, :], cc.astype(dtype)[:, None], 0.0)
      if cfg.smooth:
        a = a + _uniform_block(t, start, size, cfg, dtype)
    p = jnp.exp(z - lse_t[:, None])
    dz = p * (ps_t[:, None] - ge_t[:, None] * z if cfg.stats else ps_t[:, None]) - g_t[:, None] * a
    if cfg.temperature != 1.0:
      dz = dz / cfg.temperature
    if cfg.softcap is not None:
      dz = dz * (1.0 - jnp.square(jnp.tanh(x / cfg.softcap)))  # d softcap / dx
    return dz, z, w_blk

  def vocab_block(dh, start, size):
    """Gradients of one vocabulary block: its dW/db rows, and its share of dh."""
    dw_blk, db_blk, dcw_blk = _varying_like(
        refs, jnp.zeros((d, size) if cfg.layout == "dv" else (size, d), dtype),
        jnp.zeros((size,), dtype), jnp.zeros((size,), dtype))
    ddense_blk = None if t.dense is None else _varying_like(refs, jnp.zeros((n, size), dtype))[0]
    for t0, tsz, tcount in _chunks(n, cfg.token_chunk):

      def token_block(carry, j, t0=t0, tsz=tsz):
        dh, dw_blk, db_blk, dcw_blk, ddense_blk = carry
        ts = t0 + j * tsz
        sl = functools.partial(lax.dynamic_slice_in_dim, start_index=ts, slice_size=tsz)
        hh = sl(h)
        dense_t = None if t.dense is None else lax.dynamic_slice(t.dense, (ts, start), (tsz, size))
        dz, z, w_blk = block_grad(hh, sl(t.labels), sl(t.coef), sl(lse), sl(p_scale), sl(g),
                                  sl(g_ent), dense_t, start, size)
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
        if want_dcw or ddense_blk is not None:
          gz = sl(g)[:, None] * z  # d loss / d a_c = -g z_c
          if want_dcw:
            dcw_blk = dcw_blk - cfg.smooth * jnp.sum(gz, axis=0)
          if ddense_blk is not None:
            ddense_blk = lax.dynamic_update_slice_in_dim(ddense_blk, -gz, ts, axis=0)
        return (dh, dw_blk, db_blk + jnp.sum(dz, axis=0), dcw_blk, ddense_blk), None

      carry = (dh, dw_blk, db_blk, dcw_blk, ddense_blk)
      if tcount == 1:
        carry, _ = token_block(carry, 0)
      else:
        carry, _ = lax.scan(token_block, carry, jnp.arange(tcount))
      dh, dw_blk, db_blk, dcw_blk, ddense_blk = carry
    return dh, dw_blk.astype(w.dtype), db_blk, dcw_blk, ddense_blk

  # The weight gradient is written block by block into one buffer updated in
  # place by the loop, never accumulated across token chunks at full size.
  dh, dw, db, dcw = _varying_like(
      refs, jnp.zeros((n, d), dtype), jnp.zeros(w.shape, w.dtype), jnp.zeros((local_v,), dtype),
      jnp.zeros((local_v,), dtype))
  ddense = None if t.dense is None else _varying_like(refs, jnp.zeros(t.dense.shape, dtype))[0]
  vaxis = 1 if cfg.layout == "dv" else 0
  for start, size, count in _chunks(local_v, cfg.vocab_chunk):

    def body(carry, i, start=start, size=size):
      dh, dw, db, dcw, ddense = carry
      v0 = start + i * size
      dh, dw_blk, db_blk, dcw_blk, ddense_blk = vocab_block(dh, v0, size)
      dw = lax.dynamic_update_slice_in_dim(dw, dw_blk, v0, axis=vaxis)
      db = lax.dynamic_update_slice_in_dim(db, db_blk, v0, axis=0)
      dcw = lax.dynamic_update_slice_in_dim(dcw, dcw_blk, v0, axis=0)
      if ddense is not None:
        ddense = lax.dynamic_update_slice_in_dim(ddense, ddense_blk, v0, axis=1)
      return (dh, dw, db, dcw, ddense), None

    if count == 1:
      (dh, dw, db, dcw, ddense), _ = body((dh, dw, db, dcw, ddense), 0)
    else:
      (dh, dw, db, dcw, ddense), _ = lax.scan(body, (dh, dw, db, dcw, ddense), jnp.arange(count))
  # Under shard_map, a gradient sums the contributions of every shard its
  # primal is replicated over: dh over vocabulary shards, dW and db over token
  # (batch) shards. Outside shard_map there is nothing to sum.
  dh = _sum_to_primal(dh, h)
  dw = _sum_to_primal(dw, w)
  db = None if b is None else _sum_to_primal(db, b).astype(b.dtype)
  dt = _Target(
      labels=np.zeros(t.labels.shape, jax.dtypes.float0),
      coef=_sum_to_primal(-g * zy, t.coef).astype(t.coef.dtype),
      total=_sum_to_primal(g * lse, t.total).astype(t.total.dtype),
      dense=None if t.dense is None else _sum_to_primal(ddense, t.dense).astype(t.dense.dtype),
      class_weight=None if t.class_weight is None else
      _sum_to_primal(dcw, t.class_weight).astype(t.class_weight.dtype))
  return dh.astype(h.dtype), dw, db, dt


_lce.defvjp(_lce_fwd, _lce_bwd)


#: Fused path (`_fused`, CPU only): a token block is ``[tokens, V]`` float32
#: with about this many elements (128 MiB). Measured on the 2-core CPU
#: (value_and_grad, BENCHMARKS.md): 2^25 elements, i.e. 256 tokens at
#: V = 131072 (at most FUSED_TOKENS), kept the memory of the general kernel
#: at N=8192, D=4096, V=131072; 2^24 at V = 131072 was slower
#: (the weight gradient is read and written once per token block). The weight
#: gradient is updated in blocks of a quarter of that (2^23 elements):
#: 0.88x of naive at (2048, 256, 32768) against 0.96x with 2048-row blocks.
FUSED_ELEMENTS = 2**25


#: and at most this many tokens per block: 512 took 0.86x of naive at
#: (2048, 256, 32768), 1024 took 0.93x.
FUSED_TOKENS = 512


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def _fused(cfg: _Config, h, w, b, t: _Target, c):
  """Σ_i c_i ℓ_i over class-index targets, its gradients computed in the same pass."""
  return _fused_fwd(cfg, h, w, b, t, c)[0]


def _fused_fwd(cfg, h, w, b, t, c):
  """One pass over token blocks, each against the whole vocabulary at once.

  A reduced loss's cotangent is a scalar g times the weights c, so dz is known
  as soon as a block's softmax is: logits (one matmul), then dh = dz W and
  dW += dz^T h (two more), as the naive program does, where the general
  kernel (`_lce`) needs a fourth to recompute the logits in its backward
  pass. W is never sliced: a bf16 slice makes XLA:CPU convert the whole W.
  """
  dtype = jnp.dtype(cfg.dtype)
  n, d = h.shape
  local_v = _local_vocab(w, cfg.layout)
  vaxis = 1 if cfg.layout == "dv" else 0
  # Float32 accumulators (the compute dtype), rounded once at the end.
  carry = (jnp.zeros(w.shape, dtype), jnp.zeros((local_v,), dtype), jnp.zeros((n, d), dtype),
           jnp.zeros((n,), dtype), jnp.zeros((n,), dtype), jnp.zeros((n,), dtype))
  cols = jnp.arange(local_v)

  def token_block(carry, j, t0, tsz):
    dw, db, dh, loss, lse_all, zy_all = carry
    ts = t0 + j * tsz
    sl = functools.partial(lax.dynamic_slice_in_dim, start_index=ts, slice_size=tsz)
    hh, ll, cc, tt, ci = sl(h), sl(t.labels), sl(t.coef), sl(t.total), sl(c).astype(dtype)
    z, x = _logits(hh, w, b, cfg)  # [tsz, V]
    m = jnp.max(z, axis=1)
    e = jnp.exp(z - m[:, None])
    s = jnp.sum(e, axis=1)
    lse = m + jnp.log(s)
    hot = ll[:, None] == cols[None, :].astype(ll.dtype)
    zy = jnp.sum(jnp.where(hot, z, 0.0), axis=1)
    a = jnp.where(hot, cc.astype(dtype)[:, None], 0.0)
    ell = tt * lse - cc * zy
    if cfg.smooth:
      uni = _uniform_block(t, 0, local_v, cfg, dtype)
      a = a + uni
      ell = ell - jnp.sum(uni * z, axis=1)
    if cfg.z_loss:
      ell = ell + cfg.z_loss * jnp.square(lse)
    dz = ci[:, None] * ((e / s[:, None]) * (tt + 2.0 * cfg.z_loss * lse)[:, None] - a)
    if cfg.temperature != 1.0:
      dz = dz / cfg.temperature
    if cfg.softcap is not None:
      dz = dz * (1.0 - jnp.square(jnp.tanh(x / cfg.softcap)))
    w_contract = (1,) if cfg.layout == "dv" else (0,)
    dh_blk = lax.dot_general(dz, w, (((1,), w_contract), ((), ())), preferred_element_type=dtype)
    # dW in vocabulary blocks updated in place: one [V, D] product per token
    # block would be a second W-sized buffer.
    for v0, vsz, vcount in _chunks(local_v, cfg.vocab_chunk):

      def vocab_block(dw, i, v0=v0, vsz=vsz):
        vs = v0 + i * vsz
        dz_blk = lax.dynamic_slice_in_dim(dz, vs, vsz, axis=1)
        if cfg.layout == "dv":
          part = lax.dot_general(hh, dz_blk, (((0,), (0,)), ((), ())), preferred_element_type=dtype)
        else:
          part = lax.dot_general(dz_blk, hh, (((0,), (0,)), ((), ())), preferred_element_type=dtype)
        old = lax.dynamic_slice_in_dim(dw, vs, vsz, axis=vaxis)
        return lax.dynamic_update_slice_in_dim(dw, old + part, vs, axis=vaxis), None

      if vcount == 1:
        dw, _ = vocab_block(dw, 0)
      else:
        dw, _ = lax.scan(vocab_block, dw, jnp.arange(vcount))
    put = functools.partial(lax.dynamic_update_slice_in_dim, start_index=ts, axis=0)
    return (dw, db + jnp.sum(dz, axis=0), put(dh, dh_blk), put(loss, ell), put(lse_all, lse),
            put(zy_all, zy)), None

  for t0, tsz, tcount in _chunks(n, cfg.token_chunk):
    step = functools.partial(token_block, t0=t0, tsz=tsz)
    if tcount == 1:
      carry, _ = step(carry, 0)
    else:
      carry, _ = lax.scan(step, carry, jnp.arange(tcount))
  dw, db, dh, loss, lse, zy = carry
  total = jnp.sum(c.astype(dtype) * loss)
  # h, w and b are kept only for their dtypes (they are alive anyway: the caller's inputs).
  return total, (dh, dw, db, lse, zy, loss, t, c, h, w, b)


def _fused_bwd(cfg, res, g):
  dh, dw, db, lse, zy, loss, t, c, h, w, b = res
  cw = c.astype(loss.dtype)
  dt = _Target(
      labels=np.zeros(t.labels.shape, jax.dtypes.float0),
      coef=(-g * cw * zy).astype(t.coef.dtype), total=(g * cw * lse).astype(t.total.dtype),
      dense=None,
      class_weight=None if t.class_weight is None else jnp.zeros_like(t.class_weight))
  return ((g * dh).astype(h.dtype), (g * dw).astype(w.dtype),
          None if b is None else (g * db).astype(b.dtype), dt, (g * loss).astype(c.dtype))


_fused.defvjp(_fused_fwd, _fused_bwd)


def _reduced_per_platform(layout, vocab_size, smooth, z_loss, softcap, token_chunk, dtype,
                          h, w, b, t, c):
  """Σ_i c_i ℓ_i: the fused kernel on CPU, the general one (`_lce`) elsewhere."""
  local_v = _local_vocab(w, layout)

  def run(platform, h2, w2, b2, t2, c2):
    tokens, vocab = CHUNKS[platform]
    if platform == "cpu":
      tokens = token_chunk or max(1, min(FUSED_TOKENS, FUSED_ELEMENTS // local_v))
      # Weight-gradient blocks of about 2^23 elements (32 MiB), at least the usual vocab_chunk.
      vocab = max(vocab, FUSED_ELEMENTS // 4 // h2.shape[1])
      cfg = _Config(layout, vocab_size, smooth, z_loss, softcap, tokens, vocab, None, dtype)
      # Data parallel inside shard_map: the replicated weight's gradient is summed.
      return _fused(cfg, *core.same_varying(h2, w2, b2, t2, c2))
    cfg = _Config(layout, vocab_size, smooth, z_loss, softcap, token_chunk or tokens, vocab,
                  None, dtype)
    return jnp.sum(c2.astype(dtype) * _lce(cfg, *core.same_varying(h2, w2, b2, t2))[0])

  # Measured on CPU only: GPU and TPU keep the general kernel until measured there.
  return core.per_platform(run, h, w, b, t, c)


class _PerToken(NamedTuple):
  loss: Array  # per token, unreduced, unmasked
  lse: Array
  entropy: Array  # zeros unless asked for
  argmax: Array  # zeros unless asked for
  keep: Array | None  # the user's mask
  valid: Array | None  # class-index targets: not ignore_index
  out_of_range: Array | None  # class-index targets outside [0, V)
  norm: Array | None  # "mean"'s per-token weight (class weights), None: the count
  #: When the fused kernel summed the weighted loss itself: (total, the "mean" count or None,
  #: whether a counted target is out of range), for `core.reduce_parts`.
  parts: tuple[Array, Array | None, Array | None] | None = None


def per_token(name, x, w, y, b, cw, *, layout, ignore_index, label_smoothing, z_loss,
               logit_softcap, where, token_chunk, vocab_chunk, axis_name,
               stats=False, temperature=1.0, token_weight=None, reduction=None) -> _PerToken:
  """Checks the arguments, then runs the kernel on every token (and K-dimensional position).

  With ``reduction`` "mean", "sum" or "parts" (linear_cross_entropy without
  ``return_lse``) the loss may be reduced by the fused kernel instead
  (`_fused_eligible`); ``token_weight`` multiplies each token's loss.
  """
  d = x.shape[-1]
  local_v, out = core.linear_head(name, "linear_weight", w, d, layout, input_rank=x.ndim)
  vd = layout == "vd"
  core.check_classes(name, "linear_weight", w, 0 if vd else 1)
  batch = x.shape[:-1]
  prob_target = jnp.issubdtype(y.dtype, jnp.floating)
  loss_shape = batch + out
  if prob_target:
    core.check_shape(name, "target", y, batch + (local_v,) + out,
                     " (float class probabilities, the logits' shape)")
  else:
    core.check_int(name, "target", y)
    core.check_shape(name, "target", y, loss_shape,
                     " (class indices: input's shape without its last axis"
                     + (", then linear_weight's middle axes)" if out else ")"))
  if b is not None:
    core.check_shape(name, "linear_bias", b, (local_v,) + out)
  vocab_size = local_v if axis_name is None else local_v * lax.axis_size(axis_name)
  if cw is not None:
    core.check_shape(name, "weight", cw, (vocab_size,), " (one weight per class)")
  keep = core.as_mask(name, where, loss_shape)
  dtype = core.compute_dtype(x, w, b, cw, y if prob_target else None)
  eps = float(label_smoothing)
  cw_f = None if cw is None else core.to_float(cw, dtype)
  n, k = int(np.prod(batch)), int(np.prod(out))
  keep_nk = None if keep is None else keep.reshape(n, k)
  # A token masked everywhere has its hidden state replaced by 0 before the
  # matmuls: a NaN there would otherwise reach every entry of the weight gradient.
  h = core.masked_fill(None if keep_nk is None else jnp.any(keep_nk, axis=1),
                       x.reshape(n, d))
  valid = out_of_range = norm = None
  # This device's slice of the class weights (all of them outside vocabulary-parallel mode).
  cw_local = cw_f if cw_f is None or axis_name is None else lax.dynamic_slice_in_dim(
      cw_f, lax.axis_index(axis_name) * local_v, local_v)
  if prob_target:
    probs = y.reshape(n, local_v, k)
    if keep_nk is not None:
      probs = core.masked_fill(keep_nk[:, None, :], probs)
    a = core.to_float(probs, dtype) * (1.0 - eps) + eps / vocab_size
    if cw_local is not None:
      a = a * cw_local[None, :, None]
    total = jnp.sum(a, axis=1)
    if axis_name is not None:
      total = lax.psum(total, axis_name)
    labels = jnp.zeros((n, k), jnp.int32)
    coef = jnp.zeros((n, k), dtype)
    smooth, dense, cw_uniform = 0.0, jnp.moveaxis(a, 1, 2), None  # dense: [n, k, V]
  else:
    safe, valid, out_of_range = core.class_indices(
        name, "target", y, vocab_size, ignore_index=ignore_index, where=keep,
        expected=f"class indices in [0, {vocab_size})"
        + ("" if ignore_index is None else f" or ignore_index={ignore_index}")
        + " (torch: Target is out of bounds)")
    labels = safe.reshape(n, k)
    w_y = jnp.ones((n, k), dtype) if cw_f is None else cw_f[labels]
    coef = (1.0 - eps) * w_y
    total = coef + eps * (1.0 if cw_f is None else jnp.sum(cw_f) / vocab_size)
    smooth, dense, cw_uniform = eps / vocab_size, None, cw_local
    if cw_f is not None:
      norm = w_y.reshape(loss_shape)

  loss_dtype = jnp.dtype(dtype)
  u = None if token_weight is None else core.elementwise_option(
      name, "token_weight", token_weight, loss_shape, loss_dtype, keep)
  if (reduction in ("mean", "sum", "parts") and not out and axis_name is None and not prob_target
      and not stats and vocab_chunk is None and not (cw_f is not None and eps)
      and w.dtype == dtype):
    # The reduced loss's cotangent is one scalar times known per-token weights
    # c (the mask, ignore_index, token weights), so on CPU one pass computes
    # the loss and its gradients together: three matmuls, the naive program's
    # count, instead of four (`_fused`). Not for 16-bit weights: there its
    # float32 weight gradient would add a W-sized buffer to the W-sized copy
    # XLA:CPU makes anyway.
    valid_t = None if ignore_index is None else valid
    count = keep if valid_t is None else (valid_t if keep is None else keep & valid_t)
    c = jnp.ones(loss_shape, loss_dtype) if count is None else count.astype(loss_dtype)
    if u is not None:
      c = c * u
    t = _Target(labels[:, 0], coef[:, 0], total[:, 0], None, cw_uniform)
    total_loss = _reduced_per_platform(layout, vocab_size, smooth, float(z_loss),
                                       None if logit_softcap is None else float(logit_softcap),
                                       token_chunk, dtype.name, h, w, b, t, c.reshape(n))
    den = None
    if reduction in ("mean", "parts"):
      norm_u = norm if u is None else (u if norm is None else norm * u)
      den = core.mean_denominator(count, norm_u, loss_shape, loss_dtype)
    poisoned = None
    if out_of_range is not None:
      poisoned = jnp.any(out_of_range if keep is None else out_of_range & keep)
    return _PerToken(None, None, None, None, keep, valid, out_of_range, norm,
                     (total_loss, den, poisoned))

  def run(platform, h2, w2, b2, t):
    tokens, vocab = CHUNKS[platform]
    cfg = _Config(layout, vocab_size, smooth, float(z_loss),
                  None if logit_softcap is None else float(logit_softcap),
                  tokens if token_chunk is None else token_chunk,
                  vocab if vocab_chunk is None else vocab_chunk, axis_name, dtype.name, stats,
                  float(temperature))
    if axis_name is None:  # data parallel inside shard_map: a replicated weight's gradient
      h2, w2, b2, t = core.same_varying(h2, w2, b2, t)  # is summed over the devices
    return _lce(cfg, h2, w2, b2, t)

  def per_platform(h2, w2, b2, t):
    if token_chunk is not None and vocab_chunk is not None:
      return run("cpu", h2, w2, b2, t)  # both given: the same blocks on every platform
    # The platform's blocks, chosen when the program is lowered.
    return core.per_platform(run, h2, w2, b2, t)

  if not out:  # one softmax per token: the kernel as it is
    t = _Target(labels[:, 0], coef[:, 0], total[:, 0],
                None if dense is None else dense[:, 0], cw_uniform)
    outs = per_platform(h, w, b, t)
  else:
    # torch's K-dimensional loss: one [V, D] weight per position of (d1, ..., dK),
    # each a loss of its own over the same hidden states (vmapped, never gathered).
    wk = (jnp.moveaxis(w.reshape(local_v, k, d), 1, 0) if vd
          else jnp.moveaxis(w.reshape(d, local_v, k), 2, 0))
    bk = None if b is None else b.reshape(local_v, k).T
    tk = _Target(labels.T, coef.T, total.T, None if dense is None else jnp.moveaxis(dense, 1, 0),
                 cw_uniform)
    t_axes = _Target(0, 0, 0, None if dense is None else 0, None)
    outs = [o.T for o in jax.vmap(
        per_platform, in_axes=(None, 0, None if b is None else 0, t_axes))(h, wk, bk, tk)]
  loss, lse, entropy, argmax = (o.reshape(loss_shape) for o in outs)
  if u is not None:
    # A float weight per token scales its loss and, for "mean", its share of the normaliser.
    loss = loss * u
    norm = u if norm is None else norm * u
  return _PerToken(loss, lse, entropy, argmax, keep, None if prob_target else valid,
                   out_of_range, norm)
