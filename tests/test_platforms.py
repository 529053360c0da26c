"""Every loss lowers for CPU, GPU and TPU, and only CPU programs carry XLA:CPU's tuning (#16).

``jax.export`` lowers for a platform without its hardware. The XLA:CPU-specific forms
(cross-entropy's chunked log-sum-exp for rows over 32,768 classes, its optimization
barriers, linear_cross_entropy's CPU block sizes) are chosen at lowering time by
``core.on_cpu`` / ``jax.lax.platform_dependent``: a CUDA or TPU module must not contain
them, and the CPU module still must.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import export

import lossjax as lj
from lossjax._shared import classes
from lossjax.large_vocabulary import kernels
from tests._util import call, example, one_per_family

SPECS = list(lj.REGISTRY.values())
ACCELERATORS = ("cuda", "tpu")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _module(fn, platforms, *args):
  return export.export(jax.jit(fn), platforms=platforms)(*args).mlir_module()


@pytest.mark.parametrize("spec", one_per_family(SPECS))
def test_every_loss_exports_forward_and_value_and_grad_for_cpu_cuda_and_tpu(spec):
  args, kwargs = example(spec, dtype=jnp.float32)
  idx = [spec.arg_names.index(n) for n in spec.differentiable]

  def forward_and_grad(*diff):
    def f(*d):
      full = list(args)
      for i, a in zip(idx, d):
        full[i] = a
      return call(spec, full, kwargs)

    return f(*diff), jax.value_and_grad(f, argnums=tuple(range(len(idx))))(*diff)

  diff = [args[i] for i in idx]
  _module(forward_and_grad, ("cpu",), *diff)
  text = _module(forward_and_grad, ACCELERATORS, *diff)
  assert "optimization_barrier" not in text, f"{spec.name}: an XLA:CPU barrier in a GPU/TPU program"


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.bfloat16])
def test_long_row_cross_entropy_is_chunked_on_cpu_only(dtype):
  n, c = 8, 131072
  x = jax.ShapeDtypeStruct((n, c), dtype)
  y = jax.ShapeDtypeStruct((n,), jnp.int32)
  chunk = classes.chunk_size(c)
  chunked = re.compile(rf"tensor<{n}x{c // chunk}x{chunk}x")  # the row split into chunks
  both = lambda x, y: jax.value_and_grad(lj.cross_entropy)(x, y)  # noqa: E731
  cpu = _module(both, ("cpu",), x, y)
  assert "optimization_barrier" in cpu and chunked.search(cpu)
  for platform in ACCELERATORS:
    text = _module(both, (platform,), x, y)
    assert "optimization_barrier" not in text and not chunked.search(text), platform


def test_linear_cross_entropy_uses_each_platforms_blocks_unless_given():
  n, d, v = 8192, 16, 16384
  h = jax.ShapeDtypeStruct((n, d), jnp.float32)
  w = jax.ShapeDtypeStruct((v, d), jnp.float32)
  y = jax.ShapeDtypeStruct((n,), jnp.int32)
  grad = lambda h, w, y: jax.grad(lj.linear_cross_entropy, argnums=(0, 1))(h, w, y)  # noqa: E731
  for platform, key in (("cuda", "gpu"), ("tpu", "tpu")):
    tokens, vocab = kernels.CHUNKS[key]
    text = _module(grad, (platform,), h, w, y)
    assert f"tensor<{tokens}x{vocab}xf32>" in text, (platform, tokens, vocab)
    assert f"tensor<{kernels.FUSED_TOKENS}x{v}xf32>" not in text, platform
  # CPU: the fused kernel's [tokens, whole vocabulary] blocks.
  tokens = min(kernels.FUSED_TOKENS, kernels.FUSED_ELEMENTS // v)
  assert f"tensor<{tokens}x{v}xf32>" in _module(grad, ("cpu",), h, w, y)
  given = lambda h, w, y: lj.linear_cross_entropy(h, w, y, token_chunk=512, vocab_chunk=1024)  # noqa: E731
  for platform in ("cpu", *ACCELERATORS):
    assert "tensor<512x1024xf32>" in _module(given, (platform,), h, w, y)


def test_one_exported_program_runs_its_cpu_branch_here_with_the_same_numbers():
  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.normal(size=(4, 40000)), jnp.float32)
  y = jnp.asarray(rng.integers(0, 40000, size=(4,)), jnp.int32)
  exported = export.export(jax.jit(lj.cross_entropy), platforms=("cpu", "cuda", "tpu"))(x, y)
  np.testing.assert_allclose(exported.call(x, y), lj.cross_entropy(x, y), rtol=1e-6)
  np.testing.assert_allclose(lj.cross_entropy(x, y),
                             jnp.mean(-jnp.take_along_axis(jax.nn.log_softmax(x), y[:, None], -1)),
                             rtol=1e-5)


@pytest.mark.slow
def test_the_accelerator_benchmark_runs_unchanged_here_at_toy_sizes():
  import pathlib
  import subprocess
  import sys

  root = pathlib.Path(__file__).resolve().parents[1]
  proc = subprocess.run([sys.executable, str(root / "benchmarks" / "accelerator.py"), "--small",
                         "--repeats", "1"], capture_output=True, text=True, timeout=600)
  assert proc.returncode == 0, proc.stderr[-2000:]
  rows = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "---" not in line]
  assert len(rows) == 1 + 2 * 2 * 2 * 2 + 2 * 2, proc.stdout  # header, CE cases, LCE case
  assert "failed" not in proc.stdout and proc.stdout.startswith("device: cpu")
