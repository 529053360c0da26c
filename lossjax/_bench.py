"""Side-by-side timing of lossjax against optax and PyTorch, in one process.

Used by ``benchmarks/run.py`` (full size, writes BENCHMARKS.md) and by
``python -m lossjax bench`` (a small version). Every library gets the same
inputs: the numpy arrays are shared with torch without copying. All JAX
functions are jitted and synchronised with ``block_until_ready``; PyTorch runs
eagerly with ``torch.set_num_threads`` equal to the CPU count. Runs are
interleaved (A B C A B C ...), and each figure is the median of ``repeats``
runs, with min and max. Compile time is reported separately. Two probes,
measured in the same process, put each figure in context: the read bandwidth
(a jitted sum over 512 MiB) and the ``exp`` throughput.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass
class Case:
  """One loss at one size: the same call in each library."""

  name: str
  size: str
  make: Callable[[np.random.Generator], tuple[np.ndarray, ...]]  # float32 numpy inputs
  lossjax: Callable[..., Any]
  optax: Callable[..., Any] | None = None
  torch: Callable[..., Any] | None = None  # takes torch tensors
  grad_argnums: tuple[int, ...] = (0,)
  bytes_read: int = 0  # what the forward pass must read at least


@dataclasses.dataclass
class Result:
  case: str
  size: str
  mode: str  # "forward" or "value_and_grad"
  library: str
  median: float
  min: float
  max: float
  compile_s: float | None


def cases(scale: int = 27, vocab: tuple[tuple[int, int], ...] = ((1024, 131072), (8192, 32768))
          ) -> list[Case]:
  """The benchmark cases: elementwise losses on 2**scale elements, cross-entropy at `vocab`."""
  import optax

  import lossjax as lj

  n = 2**scale

  def pair(rng):
    return (rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32))

  def probs(rng):
    x = rng.standard_normal(n, dtype=np.float32)
    return x, (rng.random(n, dtype=np.float32) > 0.5).astype(np.float32)

  def F():
    import torch.nn.functional as F
    return F

  size = f"2^{scale} f32"
  out = [
      Case("mse_loss", size, pair, lj.mse_loss,
           lambda x, t: jnp.mean(optax.squared_error(x, t)),
           lambda x, t: F().mse_loss(x, t), (0, 1), 8 * n),
      Case("huber_loss", size, pair, lj.huber_loss,
           lambda x, t: jnp.mean(optax.huber_loss(x, t, delta=1.0)),
           lambda x, t: F().huber_loss(x, t), (0, 1), 8 * n),
      Case("l1_loss", size, pair, lj.l1_loss, None, lambda x, t: F().l1_loss(x, t), (0, 1), 8 * n),
      Case("smooth_l1_loss", size, pair, lj.smooth_l1_loss, None,
           lambda x, t: F().smooth_l1_loss(x, t), (0, 1), 8 * n),
      Case("binary_cross_entropy_with_logits", size, probs, lj.binary_cross_entropy_with_logits,
           lambda x, t: jnp.mean(optax.sigmoid_binary_cross_entropy(x, t)),
           lambda x, t: F().binary_cross_entropy_with_logits(x, t), (0,), 8 * n),
  ]
  for rows, classes in vocab:

    def logits(rng, rows=rows, classes=classes):
      x = rng.standard_normal((rows, classes), dtype=np.float32)
      return x, rng.integers(0, classes, size=rows).astype(np.int32)

    out.append(Case(
        "cross_entropy", f"[{rows}, {classes}] f32", logits, lj.cross_entropy,
        lambda x, y: jnp.mean(optax.softmax_cross_entropy_with_integer_labels(x, y)),
        lambda x, y: F().cross_entropy(x, y.long()), (0,), 4 * rows * classes))
  return out


def _torch_available() -> bool:
  try:
    import torch  # noqa: F401
  except ImportError:
    return False
  return True


def _jax_runner(fn, arrays, mode, argnums):
  f = fn if mode == "forward" else jax.value_and_grad(fn, argnums=argnums)
  start = time.perf_counter()
  compiled = jax.jit(f).lower(*arrays).compile()
  compile_s = time.perf_counter() - start
  return (lambda: jax.block_until_ready(compiled(*arrays))), compile_s


def _torch_runner(fn, arrays_np, mode, argnums):
  import torch

  tensors = [torch.from_numpy(a) for a in arrays_np]  # zero-copy views
  if mode == "forward":

    def run():
      with torch.no_grad():
        return fn(*tensors).item()
    return run, None

  def run_grad():
    leaves = [t.detach().requires_grad_(i in argnums) if t.is_floating_point() else t
              for i, t in enumerate(tensors)]
    loss = fn(*leaves)
    loss.backward()
    return loss.item()
  return run_grad, None


def probes(repeats: int = 7) -> dict[str, float]:
  """Read bandwidth (GB/s) and exp throughput (G exp/s) of this device, measured now."""
  x = jnp.asarray(np.random.default_rng(0).standard_normal(2**27, dtype=np.float32))
  out = {}
  for name, fn, per_elem in (("read GB/s", jnp.sum, 4), ("exp G/s", lambda a: jnp.sum(jnp.exp(a)), 1)):
    f = jax.jit(fn).lower(x).compile()
    jax.block_until_ready(f(x))
    times = []
    for _ in range(repeats):
      t = time.perf_counter()
      jax.block_until_ready(f(x))
      times.append(time.perf_counter() - t)
    out[name] = x.size * per_elem / statistics.median(times) / 1e9
  return out


def run(case_list: list[Case], repeats: int = 7, modes=("forward", "value_and_grad"),
        progress: Callable[[str], None] | None = None) -> Iterator[Result]:
  """Times every case x mode x library, interleaving libraries run by run."""
  if _torch_available():
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
  rng = np.random.default_rng(0)
  for case in case_list:
    arrays_np = case.make(rng)
    arrays = [jnp.asarray(a) for a in arrays_np]
    for mode in modes:
      runners, compile_s = {}, {}
      runners["lossjax"], compile_s["lossjax"] = _jax_runner(case.lossjax, arrays, mode,
                                                             case.grad_argnums)
      if case.optax is not None:
        runners["optax"], compile_s["optax"] = _jax_runner(case.optax, arrays, mode,
                                                           case.grad_argnums)
      if case.torch is not None and _torch_available():
        runners["torch"], compile_s["torch"] = _torch_runner(case.torch, arrays_np, mode,
                                                             case.grad_argnums)
      for r in runners.values():
        r()  # warm-up
      times = {lib: [] for lib in runners}
      for _ in range(repeats):
        for lib, r in runners.items():
          t = time.perf_counter()
          r()
          times[lib].append(time.perf_counter() - t)
      for lib, ts in times.items():
        yield Result(case.name, case.size, mode, lib, statistics.median(ts), min(ts), max(ts),
                     compile_s[lib])
      if progress:
        progress(f"{case.name} {case.size} {mode}")


def table(results: list[Result], case_list: list[Case], probe: dict[str, float]) -> str:
  """Markdown: per case and mode, lossjax's time and its speed-up over optax and torch."""
  by_key = {(r.case, r.size, r.mode, r.library): r for r in results}
  bytes_read = {(c.name, c.size): c.bytes_read for c in case_list}
  rows = [
      "| loss | size | mode | lossjax s (min–max) | vs optax | vs torch | lossjax GB/s | of read probe |",
      "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |",
  ]
  for (name, size, mode, lib), r in by_key.items():
    if lib != "lossjax":
      continue

    def speedup(other, name=name, size=size, mode=mode, r=r):
      o = by_key.get((name, size, mode, other))
      return f"{o.median / r.median:.2f}x" if o else "—"

    gbs = bytes_read[(name, size)] / r.median / 1e9 if mode == "forward" else None
    rows.append(
        f"| `{name}` | {size} | {mode} | {r.median:.4f} ({r.min:.4f}–{r.max:.4f}) | "
        f"{speedup('optax')} | {speedup('torch')} | "
        + (f"{gbs:.1f} | {gbs / probe['read GB/s']:.0%} |" if gbs else "— | — |"))
  return "\n".join(rows)


def environment(probe: dict[str, float]) -> str:
  device = jax.devices()[0]
  versions = [f"jax {jax.__version__}"]
  try:
    import optax
    versions.append(f"optax {optax.__version__}")
  except ImportError:
    pass
  if _torch_available():
    import torch
    versions.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
  return (f"device: {device.platform} ({device.device_kind}), {os.cpu_count()} CPU cores; "
          f"{', '.join(versions)}; probes: read {probe['read GB/s']:.1f} GB/s, "
          f"exp {probe['exp G/s']:.2f} G/s")
