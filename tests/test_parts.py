"""reduction="parts": exact means of a batch split into pieces (issue #27).

For every registered loss, driven by the catalogue: either its ``"parts"`` give exactly its
``"mean"`` (value and gradient, float64), and the parts of uneven pieces of the example's
batch, added, give the whole batch's mean and gradient; or the loss declares that it depends
on the whole batch and ``"parts"`` is an error saying so. Then the recipes the docs give:
gradient accumulation over uneven micro-batches, a mean over devices (``psum``), streaming
evaluation (``lax.scan``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj
from tests._util import call, example

SPECS = list(lj.REGISTRY.values())
PARTS = [s for s in SPECS if s.decomposable]
WHOLE = [s for s in SPECS if not s.decomposable]

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _batch_size(spec, args):
  sizes = {a.shape[spec.batch_axis(n)] for n, a in zip(spec.arg_names, args)
           if n in spec.batched and hasattr(a, "ndim") and a.ndim > spec.batch_axis(n)}
  return sizes.pop() if len(sizes) == 1 else 0


def _cuts(name: str, n: int) -> list[int]:
  """Two or three uneven pieces of a batch of n (a short last piece: a partial window)."""
  if n < 2:
    return []
  rng = np.random.default_rng(sum(map(ord, name)))
  inner = sorted(rng.choice(np.arange(1, n), size=min(2, n - 1), replace=False).tolist())
  return [0, *inner, n]


def _piece(spec, args, kwargs, lo, hi):
  """The example's batch rows [lo, hi): every batched argument and array option sliced."""
  def cut(name, a):
    if name not in spec.batched or not hasattr(a, "ndim") or a.ndim <= spec.batch_axis(name):
      return a
    return jax.lax.slice_in_dim(a, lo, hi, axis=spec.batch_axis(name))
  return ([cut(n, a) for n, a in zip(spec.arg_names, args)],
          {k: cut(k, v) for k, v in kwargs.items()})


# A compiled value_and_grad program per loss: ~130 CPU-s, so CI's slow run (README's command
# stays near its 10 minutes); the recipes below check gradients in the default run.
@pytest.mark.slow
@pytest.mark.parametrize("spec", PARTS, ids=[s.name for s in PARTS])
def test_parts_are_the_mean_and_pieces_merge_into_the_whole_batch(spec):
  """One compiled program per loss: the mean and the merged parts of uneven pieces of the
  batch (the whole batch's parts where it has no batch axis), each with its gradient with
  respect to every differentiable argument."""
  args, kwargs = example(spec)
  kwargs = {k: v for k, v in kwargs.items() if k != "reduction"}
  diff = [spec.arg_names.index(n) for n in spec.differentiable]
  cuts = _cuts(spec.name, _batch_size(spec, args))

  def with_diff(d):
    full = list(args)
    for i, a in zip(diff, d):
      full[i] = a
    return full

  def mean(d):
    return call(spec, with_diff(d), kwargs, reduction="mean")

  def merged(d):
    full = with_diff(d)
    pieces = [call(spec, *_piece(spec, full, kwargs, lo, hi), reduction="parts")
              for lo, hi in zip(cuts[:-1], cuts[1:])]
    if not pieces:
      pieces = [call(spec, full, kwargs, reduction="parts")]
    assert all(isinstance(p, lj.Parts) for p in pieces)
    return sum(pieces).mean()

  d = [args[i] for i in diff]
  program = jax.jit(lambda d: [jax.value_and_grad(f)(d) for f in (mean, merged)])
  (m, gm), (s, gs) = program(d)
  what = f"{spec.name} pieces {cuts or 'none: the whole batch'}"
  np.testing.assert_allclose(s, m, rtol=1e-10, atol=1e-12, err_msg=what)
  for i, g, want in zip(diff, gs, gm):
    np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-12,
                               err_msg=f"{what}: d/d{spec.arg_names[i]}")


@pytest.mark.parametrize("spec", WHOLE, ids=[s.name for s in WHOLE])
def test_a_loss_of_the_whole_batch_has_no_parts_and_says_why(spec):
  args, kwargs = example(spec)
  reason = spec.fn.declaration.whole_batch
  with pytest.raises(ValueError, match=rf"{spec.name}: argument `reduction`: 'parts' is not "
                                       rf"available: the loss depends on the whole batch \({reason}"):
    call(spec, args, kwargs, reduction="parts")


def test_pooling_over_the_batch_takes_parts_away_where_the_option_asks_for_it():
  specs = [s for s in SPECS if isinstance(s.fn.declaration.whole_batch_if, str)]
  assert {"dice_loss", "dice_ce_loss", "generalized_dice_loss"} <= {s.name for s in specs}
  for spec in specs:
    args, kwargs = example(spec)
    gate = spec.fn.declaration.whole_batch_if
    value = True if gate == "batch" else 0.5  # dice's bool, the VAE losses' free bits
    with pytest.raises(ValueError, match=rf"{spec.name}: .*`{gate}={value}` pools statistics"):
      call(spec, args, kwargs, reduction="parts", **{gate: value})


def test_the_catalogue_records_which_losses_decompose():
  assert {s.name for s in WHOLE} == {
      "info_nce_loss", "supcon_loss", "circle_loss", "clip_loss", "siglip_loss", "vicreg_loss",
      "barlow_twins_loss", "multi_similarity_loss", "n_pairs_loss",
      "generalized_lifted_structure_loss", "lifted_structure_loss", "margin_loss",
      "proxy_anchor_loss", "load_balancing_loss"}
  assert len(PARTS) + len(WHOLE) == len(SPECS)


# --------------------------------------------------------------------------
# Parts as a value: arithmetic and JAX transformations
# --------------------------------------------------------------------------

def _ce_data(n=24, c=5, seed=0):
  rng = np.random.default_rng(seed)
  x = jnp.asarray(rng.normal(size=(n, c)) * 2)
  y = jnp.asarray(rng.integers(0, c, size=n)).at[jnp.array([1, 2, 7, 19])].set(-100)
  where = jnp.asarray(rng.uniform(size=n) > 0.25)
  w = jnp.asarray(rng.uniform(0.2, 3.0, size=c))
  return x, y, where, w


CE = dict(label_smoothing=0.1)


def test_parts_add_stack_scan_and_psum_into_the_whole_batch_mean():
  x, y, where, w = _ce_data()

  def parts(x, y, m):
    return lj.cross_entropy(x, y, weight=w, where=m, reduction="parts", **CE)

  @jax.jit
  def program(x, y, where):
    want = lj.cross_entropy(x, y, weight=w, where=where, **CE)
    xs, ys, ms = (a.reshape((4, 6) + a.shape[1:]) for a in (x, y, where))
    stacked = jax.vmap(parts)(xs, ys, ms)  # four equal batches of a dataset
    scanned, _ = jax.lax.scan(lambda acc, b: (acc + parts(*b), None),  # streaming evaluation
                              lj.Parts(jnp.zeros(()), jnp.zeros(())), (xs, ys, ms))
    psummed = jax.vmap(lambda *b: jax.lax.psum(parts(*b), "devices"), axis_name="devices")(
        xs, ys, ms)  # psum over a named axis, as over devices in shard_map
    one_device = jax.tree.map(lambda a: a[0], psummed)  # every device holds the same sum
    added = sum([parts(x[:5], y[:5], where[:5]), parts(x[5:], y[5:], where[5:])])
    mean_of_means = jnp.mean(jax.vmap(lambda *b: parts(*b).mean())(xs, ys, ms))
    empty = parts(x[:0], y[:0], where[:0])
    return (want, [stacked.sum().mean(), scanned.mean(), one_device.mean(), added.mean()],
            mean_of_means, empty)

  want, merged, mean_of_means, empty = program(x, y, where)
  for got in merged:
    np.testing.assert_allclose(got, want, rtol=1e-12)
  # A mean of the batches' means is not the mean: the bug parts exist for.
  assert abs(float(mean_of_means) - float(want)) > 1e-3
  assert float(empty.count) == 0 and float(empty.mean()) == 0.0  # the all-masked convention


def test_the_count_carries_no_gradient():
  x, y, where, w = _ce_data()
  g = jax.grad(lambda x: lj.cross_entropy(x, y, weight=w, where=where,
                                          reduction="parts").count)(x)
  assert not np.any(np.asarray(g))


# --------------------------------------------------------------------------
# Gradient accumulation over uneven micro-batches: the full-batch gradient
# --------------------------------------------------------------------------

def accumulate(loss, params, micro_batches):
  """The recipe in the README: differentiate each micro-batch's total, add the gradients and
  the counts, divide once. Equals the gradient of the loss's mean over the whole batch."""
  def total(params, batch):
    parts = loss(params, *batch)
    return parts.total, parts

  grad_total, count = None, 0.0
  for batch in micro_batches:
    g, parts = jax.grad(total, has_aux=True)(params, batch)
    grad_total = g if grad_total is None else jax.tree.map(jnp.add, grad_total, g)
    count = count + parts.count
  return jax.tree.map(lambda g: g / count, grad_total)


def _uneven(*arrays, cuts=(0, 5, 17, 24)):
  """Three micro-batches of 5, 12 and 7 rows (the last one a partial window)."""
  return [tuple(a[lo:hi] for a in arrays) for lo, hi in zip(cuts[:-1], cuts[1:])]


def _same_gradient(loss, params, arrays):
  """The recipe, the full-batch gradient and a mean of the micro-batches' mean gradients, in
  one compiled program (the micro-batch loop unrolled)."""
  @jax.jit
  def program(params, arrays):
    want = jax.grad(lambda p: loss(p, *arrays, reduction="mean"))(params)
    got = accumulate(lambda p, *b: loss(p, *b, reduction="parts"), params, _uneven(*arrays))
    naive = [jax.grad(lambda p, b: loss(p, *b, reduction="mean"))(params, b)
             for b in _uneven(*arrays)]
    return want, got, jax.tree.map(lambda *gs: sum(gs) / len(gs), *naive)

  want, got, off = program(params, arrays)
  for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
    np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-15)
  # ... where a mean of the micro-batch means is a different gradient.
  assert max(float(jnp.max(jnp.abs(a - b))) for a, b in
             zip(jax.tree.leaves(off), jax.tree.leaves(want))) > 1e-6


def test_gradient_accumulation_cross_entropy_weights_ignore_index_smoothing():
  x, y, where, w = _ce_data()
  W = jnp.asarray(np.random.default_rng(1).normal(size=(5, 5)))

  def loss(W, x, y, m, reduction):
    return lj.cross_entropy(x @ W, y, weight=w, where=m, reduction=reduction, **CE)
  _same_gradient(loss, W, (x, y, where))


def test_gradient_accumulation_linear_cross_entropy():
  rng = np.random.default_rng(2)
  h = jnp.asarray(rng.normal(size=(24, 8)))
  w = jnp.asarray(rng.normal(size=(40, 8)) / 3)
  y = jnp.asarray(rng.integers(0, 40, size=24)).at[jnp.array([0, 9, 10])].set(-100)

  def loss(w, h, y, reduction):
    return lj.linear_cross_entropy(h, w, y, label_smoothing=0.1, reduction=reduction)
  _same_gradient(loss, w, (h, y))


def test_gradient_accumulation_ctc():
  rng = np.random.default_rng(3)
  t, n, c, s = 12, 24, 5, 4
  logits = jnp.asarray(rng.normal(size=(n, t, c)))
  targets = jnp.asarray(rng.integers(1, c, size=(n, s)))
  il = jnp.asarray(rng.integers(8, t + 1, size=n))
  tl = jnp.asarray(rng.integers(1, s + 1, size=n))

  def loss(scale, logits, targets, il, tl, reduction):
    lp = jax.nn.log_softmax(logits * scale, axis=-1).transpose(1, 0, 2)  # (T, N, C)
    return lj.ctc_loss(lp, targets, il, tl, reduction=reduction)
  _same_gradient(loss, jnp.asarray(1.3), (logits, targets, il, tl))


@pytest.mark.parametrize("average", ["tokens", "sequences", "constant", "sequence_sums"])
def test_gradient_accumulation_policy_gradient(average):
  rng = np.random.default_rng(4)
  n, t = 24, 7
  logps = jnp.asarray(np.log(rng.uniform(0.05, 0.95, size=(n, t))))
  old = logps + jnp.asarray(rng.normal(size=(n, t)) * 0.2)
  adv = jnp.asarray(rng.normal(size=n))
  mask = jnp.asarray(rng.uniform(size=(n, t)) > 0.3)

  def loss(lp, old, adv, m, reduction):
    return lj.policy_gradient_loss(lp, old, adv, where=m, average=average, reduction=reduction)

  # The gradient with respect to the log-probabilities (rows of the batch): each micro-batch's
  # rows get its total's gradient over the summed count.
  def total(lp, o, a, m):
    parts = loss(lp, o, a, m, "parts")
    return parts.total, parts

  @jax.jit
  def program(logps, old, adv, mask):
    want = jax.grad(lambda lp: loss(lp, old, adv, mask, "mean"))(logps)
    grads, count = [], 0.0
    for piece in _uneven(logps, old, adv, mask):
      g, parts = jax.grad(total, has_aux=True)(*piece)
      grads.append(g)
      count = count + parts.count
    return want, jnp.concatenate(grads) / count

  want, got = program(logps, old, adv, mask)
  np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-15)


def test_gradient_accumulation_dice():
  rng = np.random.default_rng(5)
  x = jnp.asarray(rng.normal(size=(24, 6, 5, 3)))
  y = jnp.asarray(rng.integers(0, 3, size=(24, 6, 5)))
  where = jnp.asarray(rng.uniform(size=24) > 0.2)
  W = jnp.eye(3) + 0.1

  def loss(W, x, y, m, reduction):
    return lj.dice_loss(x @ W, y, where=m[:, None], reduction=reduction)
  _same_gradient(loss, W, (x, y, where))


def test_readme_lists_every_loss_without_parts():
  import pathlib
  readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
  section = readme[readme.index("## Exact means over pieces of a batch"):]
  section = section[:section.index("\n## ")]
  assert all(f"`{s.name}`" in section for s in WHOLE)


@pytest.mark.slow  # a process start-up with 8 virtual devices and 8 compiles: CI's slow run
def test_a_mean_over_8_devices_from_psummed_parts_is_the_one_device_mean(tmp_path):
  import os
  import pathlib
  import subprocess
  import sys

  from tests import parts_worker

  root = pathlib.Path(__file__).resolve().parents[1]
  out = tmp_path / "parts.json"
  env = {**os.environ, "PYTHONPATH": str(root)}
  env.pop("XLA_FLAGS", None)
  proc = subprocess.run([sys.executable, str(root / "tests" / "parts_worker.py"), str(out)],
                        env=env, capture_output=True, text=True, timeout=600)
  assert proc.returncode == 0, proc.stderr[-3000:]
  import json
  got = json.loads(out.read_text())
  assert got["devices"] == 8
  for name, loss, params, batch in parts_worker.cases():
    value, grad = jax.value_and_grad(lambda p, b, f=loss: f(p, *b, reduction="mean"))(params,
                                                                                       batch)
    np.testing.assert_allclose(got[name]["value"], value, rtol=1e-10, err_msg=name)
    np.testing.assert_allclose(got[name]["grad"], grad, rtol=1e-9, atol=1e-13, err_msg=name)
  h, w, y = parts_worker.vocab_case()
  value, grad = jax.value_and_grad(lambda w: lj.linear_cross_entropy(h, w, y, layout="dv"))(w)
  got = got["linear_cross_entropy[vocab-parallel]"]
  np.testing.assert_allclose(got["value"], value, rtol=1e-10)
  np.testing.assert_allclose(got["grad"], grad, rtol=1e-9, atol=1e-13)


def test_parts_compile_to_the_sum_program_plus_the_count():
  """Deterministic figures of the compiled programs (value_and_grad, jitted): "parts" needs
  no more temporaries than "sum" and a handful of instructions more (the count)."""
  x, y, where, w = _ce_data(n=64, c=7)

  def program(r):
    def f(x):
      if r == "sum":
        return jax.value_and_grad(lambda x: lj.cross_entropy(x, y, weight=w, where=where,
                                                             reduction="sum"))(x)

      def total(x):
        p = lj.cross_entropy(x, y, weight=w, where=where, reduction="parts")
        return p.total, p.count
      return jax.value_and_grad(total, has_aux=True)(x)
    return jax.jit(f).lower(x).compile()

  s, p = program("sum"), program("parts")
  count = lambda c: sum(" = " in line for line in c.as_text().splitlines())  # noqa: E731
  assert p.memory_analysis().temp_size_in_bytes <= s.memory_analysis().temp_size_in_bytes
  assert count(p) <= count(s) + 4, (count(p), count(s))
