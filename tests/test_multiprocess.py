"""Two processes on localhost, JAX's own distributed runtime, the single-process numbers (#16).

tests/distributed_worker.py runs in 2 processes (jax.distributed over 127.0.0.1, gloo CPU
collectives, 2 virtual devices each, one mesh of 4 devices); this test compares what they
compute with the same losses in this one process.
"""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj
from tests import distributed_worker as worker

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _free_port() -> int:
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


@pytest.mark.slow  # two process start-ups and compiles (~50 s on 2 cores): CI's slow run
def test_two_processes_give_the_single_process_losses_and_gradients(tmp_path):
  out, port = tmp_path / "results.json", _free_port()
  env = {**os.environ, "PYTHONPATH": str(ROOT)}
  env.pop("XLA_FLAGS", None)
  procs = [subprocess.Popen([sys.executable, str(ROOT / "tests" / "distributed_worker.py"),
                             str(i), "2", str(port), str(out)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True) for i in range(2)]
  logs = [p.communicate(timeout=300)[0] for p in procs]
  assert all(p.returncode == 0 for p in procs), "\n".join(log[-3000:] for log in logs)
  got = json.loads(out.read_text())
  assert got["processes"] == 2 and got["devices"] == 4

  logits, labels, where, h, w, y = (jnp.asarray(a) for a in worker.data())
  want = lj.cross_entropy(logits, labels, where=where)
  # The global count, not a mean of per-process means: the masked and ignored rows are spread
  # unevenly over the two processes' halves, so the two differ here.
  halves = [lj.cross_entropy(logits[s], labels[s], where=where[s])
            for s in (slice(0, 8), slice(8, 16))]
  assert abs(float(np.mean(halves)) - float(want)) > 1e-3
  np.testing.assert_allclose(got["mean_jit"], want, rtol=1e-12)
  np.testing.assert_allclose(got["mean_shard_map"], want, rtol=1e-12)
  grad = jax.grad(lambda x: lj.cross_entropy(x, labels, where=where))(logits)
  np.testing.assert_allclose(got["parts_grad_logits"], grad, rtol=1e-10, atol=1e-15)

  value, (g_h, g_w) = jax.value_and_grad(
      lambda h, w: lj.linear_cross_entropy(h, w, y, **worker.LCE), argnums=(0, 1))(h, w)
  np.testing.assert_allclose(got["lce"], value, rtol=1e-12)
  np.testing.assert_allclose(got["lce_grad_hidden"], g_h, rtol=1e-10, atol=1e-14)
  np.testing.assert_allclose(got["lce_grad_weight"], g_w, rtol=1e-10, atol=1e-14)
