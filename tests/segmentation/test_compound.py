"""Compound losses: dice_focal_loss's one-hot focal form against its general form, and memory.

The general form is `sigmoid_focal_loss` on the one-hot maps (fixed by torchvision and MONAI's
fixtures); the one-hot form, on the signed logit with its derivative written out, must give
the same value, gradient and Hessian wherever it is taken.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj
from lossjax.segmentation import compound

RNG = np.random.default_rng(1)
_X = RNG.normal(size=(2, 3, 5, 6)) * 3
_X[0, 0, 0, :4] = [1000.0, -1000.0, 60.0, -60.0]  # both tails of both targets
_Y = RNG.integers(0, 3, size=(2, 5, 6))
_Y[1, 0, :2] = -100  # ignored pixels


def _general(name, x, onehot, counted, *, gamma, alpha):
  return compound._soft_focal(x, onehot, counted, gamma=gamma, alpha=alpha)


def test_one_hot_focal_equals_the_general_form_to_the_second_derivative(monkeypatch):
  x, y, v = jnp.asarray(_X), jnp.asarray(_Y), jnp.asarray(RNG.normal(size=_X.shape))
  where = jnp.array([[True, False, True], [True, True, False]])
  options = [{"gamma": 2.0}, {"gamma": 1.5, "alpha": 0.3, "include_background": False},
             {"gamma": 0.0, "batch": True, "alpha": 0.8},
             {"gamma": 3.0, "reduction": "none", "where": where}]

  def derivatives():  # a fresh function per form: jit's trace cache is keyed on the function
    def all_options(x):
      out = []
      for kw in options:
        f = lambda x, kw=kw: jnp.sum(lj.dice_focal_loss(x, y, axis=1, **kw))  # noqa: E731
        hvp = jax.jvp(jax.grad(f), (x,), (v,))[1]  # the Hessian along a random direction
        out.append((f(x), jax.grad(f)(x), hvp))
      return out
    return jax.jit(all_options)(x)  # one program per form: every option set's derivatives

  one_hot = derivatives()
  monkeypatch.setattr(compound, "_one_hot_focal", _general)
  general = derivatives()
  for kw, ours, ref in zip(options, one_hot, general):
    for what, a, b in zip(("value", "gradient", "Hessian times v"), ours, ref):
      assert np.all(np.isfinite(a)), (kw, what)
      np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=f"{kw} {what}")


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="XLA:CPU's allocation")
def test_dice_focal_temporaries_stay_under_the_mmap_threshold_on_cpu():
  # XLA:CPU allocates a program's temporaries per call; past glibc's 32 MiB mmap threshold
  # every call faults in fresh pages (dice + focal at this shape: 20 ms against 10 ms).
  x = jax.ShapeDtypeStruct((2, 3, 64, 64, 64), jnp.float32)
  y = jax.ShapeDtypeStruct((2, 64, 64, 64), jnp.int32)
  grad = jax.value_and_grad(lambda x, y: lj.dice_focal_loss(x, y, axis=1))
  compiled = jax.jit(grad).lower(x, y).compile()
  assert compiled.memory_analysis().temp_size_in_bytes < 32 * 2**20
