"""InfoNCE against optax.ntxent; zero vectors; the paired-views form.

supcon_loss and contrastive_loss are fixed by torch transcriptions of their
sources (tests/fixture_cases/embedding.py -> fixtures).
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lossjax as lj

ROOT = pathlib.Path(__file__).resolve().parents[2]

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("labels", [
    [0, 1, 2, 0, 1, 2, 0, 1, 2],
    [0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 3],  # unbalanced (issue #14): 9.3085 vs optax's 8.4964 before
])
@pytest.mark.parametrize("temperature", [0.07, 0.5])
def test_info_nce_with_labels_equals_optax_ntxent(temperature, labels):
  # optax averages over all positive pairs; so does lossjax's default average="pairs".
  y = jnp.array(labels)
  z = jnp.asarray(RNG.normal(size=(len(labels), 5)))
  with jax.numpy_dtype_promotion("standard"):
    want = optax.losses.ntxent(z, y, temperature=temperature)
  np.testing.assert_allclose(lj.info_nce_loss(z, labels=y, temperature=temperature), want,
                             rtol=1e-10)


def test_info_nce_average_over_anchors_is_the_mean_of_per_anchor_means():
  y = jnp.array([0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 3])
  z = jnp.asarray(RNG.normal(size=(11, 5)))
  pairs = lj.info_nce_loss(z, labels=y, reduction="none")  # per anchor: sum over positives
  n_pos = jnp.array([4.0, 4, 4, 4, 4, 1, 1, 2, 2, 2, 0])
  has = n_pos > 0
  per_anchor_mean = jnp.where(has, pairs / jnp.where(has, n_pos, 1.0), 0.0)
  np.testing.assert_allclose(lj.info_nce_loss(z, labels=y, average="anchors"),
                             jnp.sum(per_anchor_mean) / jnp.sum(has, dtype=float), rtol=1e-13)
  np.testing.assert_allclose(lj.info_nce_loss(z, labels=y), jnp.sum(pairs) / jnp.sum(n_pos),
                             rtol=1e-13)


def test_paired_views_are_labels_0_to_n_twice():
  z1, z2 = jnp.asarray(RNG.normal(size=(4, 3))), jnp.asarray(RNG.normal(size=(4, 3)))
  y = jnp.concatenate([jnp.arange(4), jnp.arange(4)])
  np.testing.assert_allclose(lj.info_nce_loss(z1, z2),
                             lj.info_nce_loss(jnp.concatenate([z1, z2]), labels=y), rtol=1e-13)
  with jax.numpy_dtype_promotion("standard"):
    np.testing.assert_allclose(lj.info_nce_loss(z1, z2, temperature=0.2),
                               optax.losses.ntxent(jnp.concatenate([z1, z2]), y, 0.2), rtol=1e-10)


def test_zero_vectors_are_finite():
  z = jnp.asarray(RNG.normal(size=(4, 3))).at[0].set(0.0)
  for f, args in ((lambda z: lj.info_nce_loss(z, labels=jnp.array([0, 0, 1, 1])), (z,)),
                  (lambda a, b: lj.contrastive_loss(a, b, jnp.array([True, False, True, True])),
                   (z, z)),
                  (lambda a, b: lj.contrastive_loss(a, b, jnp.ones(4, bool), distance="cosine"),
                   (z, jnp.zeros((4, 3))))):
    value, grads = jax.value_and_grad(f, argnums=tuple(range(len(args))))(*args)
    assert np.isfinite(value) and all(np.all(np.isfinite(g)) for g in grads)


def test_positives_are_required():
  with pytest.raises(ValueError, match="info_nce_loss: argument `labels`"):
    lj.info_nce_loss(jnp.ones((3, 2)))


@pytest.mark.parametrize("kw", [{}, {"m": 0.25, "gamma": 16.0}])
def test_circle_loss_equals_pytorch_metric_learning(kw):
  # The peer run for real where it is installed (it needs torch, so it is not in the test
  # extra: `pip install --no-deps pytorch-metric-learning==2.9.0` beside torch==2.13.0).
  # CI checks the same formula through the circle_loss fixtures and Keras 3's Circle.
  torch = pytest.importorskip("torch")
  pml = pytest.importorskip("pytorch_metric_learning.losses")
  rng = np.random.default_rng(0)
  x, y = rng.normal(size=(12, 5)), np.array([0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4])
  t = torch.tensor(x, requires_grad=True)
  want = pml.CircleLoss(**kw)(t, torch.tensor(y))
  want.backward()
  ours = {"margin": kw["m"], "gamma": kw["gamma"]} if kw else {}
  got, grad = jax.value_and_grad(lambda e: lj.circle_loss(
      e, y, normalize=True, detach_weights=True, **ours))(jnp.asarray(x))
  np.testing.assert_allclose(got, want.item(), rtol=1e-9)
  np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_circle_loss_means_over_anchors_with_a_positive_and_a_negative():
  x = _unit_rows(8)
  y = jnp.array([0, 0, 1, 1, 2, 3, 3, 3])  # anchor 4 has no positive
  per = lj.circle_loss(x, y, gamma=4.0, reduction="none")
  assert per[4] == 0 and jnp.all(jnp.delete(per, 4) > 0)
  np.testing.assert_allclose(lj.circle_loss(x, y, gamma=4.0), jnp.sum(per) / 7, rtol=1e-13)
  # Masking anchor 0 removes it as an anchor and as anchor 1's only positive.
  keep = jnp.arange(8) != 0
  per_masked = lj.circle_loss(x, y, gamma=4.0, reduction="none", where=keep)
  assert per_masked[0] == 0 and per_masked[1] == 0
  np.testing.assert_allclose(per_masked[2:], lj.circle_loss(x[1:], y[1:], gamma=4.0,
                                                            reduction="none")[1:], rtol=1e-13)


def _unit_rows(n):
  x = np.random.default_rng(5).normal(size=(n, 4))
  return jnp.asarray(x / np.linalg.norm(x, axis=1, keepdims=True))


IMAGE_TEXT_SHARDED = textwrap.dedent("""
    import os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    import jax, jax.numpy as jnp, numpy as np
    jax.config.update("jax_enable_x64", True)
    import lossjax as lj
    from jax.sharding import NamedSharding, PartitionSpec as P
    mesh = jax.make_mesh((8,), ("batch",))
    rng = np.random.default_rng(0)
    split = lambda a, spec=P("batch"): jax.device_put(jnp.asarray(a), NamedSharding(mesh, spec))
    img0, txt0 = (x / np.linalg.norm(x, axis=1, keepdims=True) for x in rng.normal(size=(2, 16, 5)))
    keep0 = np.arange(16) % 5 != 3
    img, txt, keep = split(img0), split(txt0), split(keep0)
    scale, bias = split(3.0, P()), split(-1.5, P())
    one = lambda *a: [jnp.asarray(np.asarray(x)) for x in a]  # the same values, on one device
    for name, fn, extra in (("clip", lj.clip_loss, ()), ("siglip", lj.siglip_loss, (bias,))):
      for reduction in ("mean", "sum"):
        def sharded(img, txt, scale, *extra):
          def local(img, txt, keep, scale, *extra):
            return fn(img, txt, scale, *extra, where=keep, reduction=reduction, axis_name="batch")
          return jax.shard_map(local, mesh=mesh,
                               in_specs=(P("batch"), P("batch"), P("batch"), P()) + (P(),) * len(extra),
                               out_specs=P())(img, txt, keep, scale, *extra)
        argnums = tuple(range(3 + len(extra)))
        got = jax.jit(jax.value_and_grad(sharded, argnums=argnums))(img, txt, scale, *extra)
        want = jax.value_and_grad(
            lambda *a: fn(*a, where=jnp.asarray(keep0), reduction=reduction), argnums=argnums)(
                *one(img0, txt0, 3.0, *([-1.5] if extra else [])))
        for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
          np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14, err_msg=name + reduction)
      # "none": each device's own pairs, in order.
      per = jax.jit(jax.shard_map(
          lambda i, t, k, s, *e: fn(i, t, s, *e, where=k, reduction="none", axis_name="batch"),
          mesh=mesh, in_specs=(P("batch"),) * 3 + (P(),) * (1 + len(extra)),
          out_specs=P("batch")))(img, txt, keep, scale, *extra)
      want = fn(*one(img0, txt0, 3.0, *([-1.5] if extra else [])), where=jnp.asarray(keep0),
                reduction="none")
      np.testing.assert_allclose(np.asarray(per), want, rtol=1e-12, atol=1e-14)
    print("image-text sharded ok")
""")


def test_clip_and_siglip_sharded_over_8_devices_equal_one_device_in_value_and_gradients():
  # CLIP all-gathers, SigLIP passes text blocks around the ring (ppermute); a
  # subprocess, so that the rest of the suite keeps one device.
  env = {**os.environ, "PYTHONPATH": str(ROOT)}
  env.pop("XLA_FLAGS", None)
  proc = subprocess.run([sys.executable, "-c", IMAGE_TEXT_SHARDED], env=env,
                        capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert "image-text sharded ok" in proc.stdout
