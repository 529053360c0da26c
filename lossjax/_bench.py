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
  exps: int = 0  # the exponentials the forward pass must compute at least


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
  bytes_written: int = 0  # value_and_grad: the gradients' size
  same_program_as_lossjax: bool = False  # the same optimised HLO (JAX libraries)


def cases(scale: int = 27, vocab: tuple[tuple[int, int], ...] = ((1024, 131072), (8192, 32768)),
          full: bool = False) -> list[Case]:
  """The benchmark cases: elementwise losses on 2**scale elements, cross-entropy at `vocab`;
  `full` adds every other loss that optax or PyTorch also has (benchmarks/run.py)."""
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
           lambda x, t: F().binary_cross_entropy_with_logits(x, t), (0,), 8 * n, n),
  ]
  if full:
    out += _more_cases(n, size, pair, probs, F)
  for rows, classes in vocab:

    def logits(rng, rows=rows, classes=classes):
      x = rng.standard_normal((rows, classes), dtype=np.float32)
      return x, rng.integers(0, classes, size=rows).astype(np.int32)

    out.append(Case(
        "cross_entropy", f"[{rows}, {classes}] f32", logits, lj.cross_entropy,
        lambda x, y: jnp.mean(optax.softmax_cross_entropy_with_integer_labels(x, y)),
        lambda x, y: F().cross_entropy(x, y.long()), (0,), 4 * rows * classes,
        rows * classes))
  return out


def _more_cases(n, size, pair, probs, F) -> list[Case]:
  """The other shared losses, at 2**scale elements (rows of 128 for the row-wise ones)."""
  import optax

  import lossjax as lj

  d = 128
  rows = n // d
  rsize = f"[{rows}, {d}] f32"

  def pm1(rng):
    x = rng.standard_normal(n, dtype=np.float32)
    return x, np.where(rng.random(n, dtype=np.float32) > 0.5, 1.0, -1.0).astype(np.float32)

  def unit(rng):
    x = rng.random(n, dtype=np.float32) * 0.98 + 0.01
    return x, (rng.random(n, dtype=np.float32) > 0.5).astype(np.float32)

  def positive(rng):
    return (rng.standard_normal(n, dtype=np.float32),
            rng.poisson(2.0, size=n).astype(np.float32))

  def gaussian(rng):
    return (rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32),
            rng.random(n, dtype=np.float32) + 0.5)

  def ranking(rng):
    return (rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32),
            np.where(rng.random(n, dtype=np.float32) > 0.5, 1.0, -1.0).astype(np.float32))

  def row_pair(rng):
    a = rng.standard_normal((rows, d), dtype=np.float32)
    return a, rng.standard_normal((rows, d), dtype=np.float32)

  def row_pair_pm1(rng):
    a, b = row_pair(rng)
    return a, b, np.where(rng.random(rows) > 0.5, 1.0, -1.0).astype(np.float32)

  def triplet(rng):
    return tuple(rng.standard_normal((rows, d), dtype=np.float32) for _ in range(3))

  def log_probs(rng):
    x = rng.standard_normal((rows, d), dtype=np.float32)
    logp = x - np.log(np.exp(x).sum(-1, keepdims=True))
    t = rng.random((rows, d), dtype=np.float32)
    return logp.astype(np.float32), (t / t.sum(-1, keepdims=True)).astype(np.float32)

  def multilabel(rng):
    return (rng.standard_normal((rows, d), dtype=np.float32),
            (rng.random((rows, d), dtype=np.float32) > 0.5).astype(np.float32))

  def classes(rng):
    return (rng.standard_normal((rows, d), dtype=np.float32),
            rng.integers(0, d, size=rows).astype(np.int32))

  def onehot(y):
    return jax.nn.one_hot(y, d, dtype=jnp.float32)

  return [
      Case("log_cosh_loss", size, pair, lj.log_cosh_loss,
           lambda x, t: jnp.mean(optax.losses.log_cosh(x, t)), None, (0, 1), 8 * n, n),
      Case("binary_cross_entropy", size, unit, lj.binary_cross_entropy, None,
           lambda x, t: F().binary_cross_entropy(x, t), (0,), 8 * n),
      Case("sigmoid_focal_loss", size, probs, lj.sigmoid_focal_loss,
           lambda x, t: jnp.mean(optax.losses.sigmoid_focal_loss(x, t, alpha=0.25, gamma=2.0)),
           None, (0,), 8 * n, n),
      Case("soft_margin_loss", size, pm1, lj.soft_margin_loss, None,
           lambda x, t: F().soft_margin_loss(x, t), (0,), 8 * n, n),
      Case("hinge_embedding_loss", size, pm1, lj.hinge_embedding_loss, None,
           lambda x, t: F().hinge_embedding_loss(x, t), (0,), 8 * n),
      Case("poisson_nll_loss", size, positive, lj.poisson_nll_loss, None,
           lambda x, t: F().poisson_nll_loss(x, t), (0,), 8 * n, n),
      Case("gaussian_nll_loss", size, gaussian, lj.gaussian_nll_loss, None,
           lambda x, t, v: F().gaussian_nll_loss(x, t, v), (0, 2), 12 * n),
      Case("margin_ranking_loss", size, ranking, lj.margin_ranking_loss, None,
           lambda a, b, t: F().margin_ranking_loss(a, b, t), (0, 1), 12 * n),
      Case("kl_div", rsize, log_probs,
           lambda x, t: lj.kl_div(x, t, reduction="batchmean"),
           lambda x, t: jnp.mean(optax.losses.kl_divergence(x, t)),
           lambda x, t: F().kl_div(x, t, reduction="batchmean"), (0,), 8 * n),
      Case("cosine_similarity_loss", rsize, row_pair, lj.cosine_similarity_loss,
           lambda x, t: jnp.mean(optax.losses.cosine_distance(x, t)), None, (0, 1), 8 * n),
      Case("cosine_embedding_loss", rsize, row_pair_pm1, lj.cosine_embedding_loss, None,
           lambda a, b, t: F().cosine_embedding_loss(a, b, t), (0, 1), 8 * n),
      Case("triplet_margin_loss", rsize, triplet, lj.triplet_margin_loss,
           lambda a, p, q: jnp.mean(optax.losses.triplet_margin_loss(a, p, q)),
           lambda a, p, q: F().triplet_margin_loss(a, p, q), (0, 1, 2), 12 * n),
      Case("multilabel_soft_margin_loss", rsize, multilabel, lj.multilabel_soft_margin_loss,
           None, lambda x, t: F().multilabel_soft_margin_loss(x, t), (0,), 8 * n, n),
      Case("nll_loss", rsize, classes, lj.nll_loss, None,  # reads one value per row
           lambda x, y: F().nll_loss(x, y.long()), (0,), 8 * rows),
      Case("multi_margin_loss", rsize, classes, lj.multi_margin_loss, None,
           lambda x, y: F().multi_margin_loss(x, y.long()), (0,), 4 * n),
      Case("poly1_cross_entropy", rsize, classes, lj.poly1_cross_entropy,
           lambda x, y: jnp.mean(optax.losses.poly_loss_cross_entropy(x, onehot(y), epsilon=1.0)),
           None, (0,), 4 * n, n),
  ]


def _torch_available() -> bool:
  try:
    import torch  # noqa: F401
  except ImportError:
    return False
  return True


def _program(compiled) -> str:
  """The optimised HLO without names, metadata and module header: two libraries
  whose losses compile to the same program get the same text."""
  import re

  text = compiled.as_text()
  text = re.sub(r", metadata=\{[^}]*\}", "", text)
  text = re.sub(r"%[\w.-]+", "%v", text)
  text = re.sub(r"[\w.-]+(?=: [a-z]+\d*\[)", "p", text)  # parameter names in signatures
  text = re.sub(r"\b[\w.-]*computation[\w.-]*", "c", text)
  # Drop the module header and its file/function/stack-frame tables.
  return "\n".join(line for line in text.splitlines()
                   if line and not re.match(r"(HloModule|FileNames|FunctionNames|FileLocations"
                                            r"|StackFrames|\d+ )", line))


def _jax_runner(fn, arrays, mode, argnums):
  f = fn if mode == "forward" else jax.value_and_grad(fn, argnums=argnums)
  start = time.perf_counter()
  compiled = jax.jit(f).lower(*arrays).compile()
  compile_s = time.perf_counter() - start
  run = lambda: jax.block_until_ready(compiled(*arrays))  # noqa: E731
  run.program = _program(compiled)
  return run, compile_s


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
  """Read bandwidth (GB/s), exp throughput (G exp/s) and the bandwidth of writing a
  fresh output (GB/s written by ``2 * x``, which also reads x) on this device, now.

  The last one bounds every ``value_and_grad``: its gradient is a new array of
  the input's size, and on CPU a new allocation is written at page-fault speed.
  """
  x = jnp.asarray(np.random.default_rng(0).standard_normal(2**27, dtype=np.float32))
  out = {}
  for name, fn, per_elem in (("read GB/s", jnp.sum, 4), ("exp G/s", lambda a: jnp.sum(jnp.exp(a)), 1),
                             ("write GB/s", lambda a: 2.0 * a, 4)):
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
      written = 0 if mode == "forward" else sum(arrays_np[i].nbytes for i in case.grad_argnums)
      ours = getattr(runners["lossjax"], "program", None)
      for lib, ts in times.items():
        same = lib != "lossjax" and getattr(runners[lib], "program", 0) == ours
        yield Result(case.name, case.size, mode, lib, statistics.median(ts), min(ts), max(ts),
                     compile_s[lib], written, same)
      if progress:
        progress(f"{case.name} {case.size} {mode}")


def probe_floor(case: Case, result: Result, probe: dict[str, float]) -> float:
  """The seconds this machine's probes allow: the inputs read at the read
  probe's rate or the exponentials at the exp probe's rate, whichever is
  slower, plus (value_and_grad) the gradients written at the write probe's rate."""
  read = case.bytes_read / (probe["read GB/s"] * 1e9)
  exps = case.exps / (probe["exp G/s"] * 1e9)
  return max(read, exps) + result.bytes_written / (probe["write GB/s"] * 1e9)


def table(results: list[Result], case_list: list[Case], probe: dict[str, float]) -> str:
  """Markdown: per case and mode, lossjax's time and its speed-up over optax and torch."""
  by_key = {(r.case, r.size, r.mode, r.library): r for r in results}
  by_case = {(c.name, c.size): c for c in case_list}
  rows = [
      "| loss | size | mode | lossjax s (min–max) | compile s | optax s (min–max) "
      "| optax / lossjax | torch s | torch / lossjax | lossjax GB/s | of probe floor |",
      "| --- | --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
  ]
  for (name, size, mode, lib), r in by_key.items():
    if lib != "lossjax":
      continue

    def speedup(other, name=name, size=size, mode=mode, r=r):
      o = by_key.get((name, size, mode, other))
      if not o:
        return "—"
      if o.same_program_as_lossjax:  # one program: any ratio is noise
        return "same program"
      return f"{o.median / r.median:.2f}x"

    def seconds(other, name=name, size=size, mode=mode, spread=False):
      o = by_key.get((name, size, mode, other))
      if not o:
        return "—"
      return f"{o.median:.4f}" + (f" ({o.min:.4f}–{o.max:.4f})" if spread else "")

    floor = probe_floor(by_case[(name, size)], r, probe)
    read = by_case[(name, size)].bytes_read
    gbs = (read + r.bytes_written) / r.median / 1e9
    rows.append(
        f"| `{name}` | {size} | {mode} | {r.median:.4f} ({r.min:.4f}–{r.max:.4f}) | "
        f"{r.compile_s:.2f} | {seconds('optax', spread=True)} | {speedup('optax')} | "
        f"{seconds('torch')} | {speedup('torch')} | "
        f"{gbs:.1f} | {floor / r.median:.0%} |")
  return "\n".join(rows)


def bf16_cross_entropy(shapes=((1024, 131072), (8192, 32768)), repeats: int = 7) -> list[dict]:
  """bf16 logits against float32 logits holding the same (widened) values,
  lossjax cross_entropy, forward and value_and_grad, interleaved runs: one
  dict per shape and mode (medians, and the loss's relative difference)."""
  import lossjax as lj

  rows = []
  rng = np.random.default_rng(0)
  for n, c in shapes:
    xb = jnp.asarray(rng.standard_normal((n, c), dtype=np.float32)).astype(jnp.bfloat16)
    x32 = xb.astype(jnp.float32)
    y = jnp.asarray(rng.integers(0, c, size=n).astype(np.int32))
    for mode in ("forward", "value_and_grad"):
      fn = lj.cross_entropy if mode == "forward" else jax.value_and_grad(lj.cross_entropy)
      runs = {k: jax.jit(fn).lower(a, y).compile() for k, a in (("f32", x32), ("bf16", xb))}
      args = {"f32": x32, "bf16": xb}
      values = {k: jax.block_until_ready(r(args[k], y)) for k, r in runs.items()}
      if mode == "value_and_grad":
        values = {k: v[0] for k, v in values.items()}
      rel = abs(float(values["bf16"]) - float(values["f32"])) / abs(float(values["f32"]))
      times = {k: [] for k in runs}
      for _ in range(repeats):
        for k, r in runs.items():
          t = time.perf_counter()
          jax.block_until_ready(r(args[k], y))
          times[k].append(time.perf_counter() - t)
      med = {k: statistics.median(v) for k, v in times.items()}
      rows.append({"shape": (n, c), "mode": mode, "f32": med["f32"], "bf16": med["bf16"],
                   "ratio": med["bf16"] / med["f32"], "rel_diff": rel})
  return rows


def bf16_table(rows: list[dict]) -> str:
  """Markdown for `bf16_cross_entropy`'s rows."""
  out = ["| logits | mode | float32 s | bf16 s | bf16 / float32 | relative difference of the loss |",
         "| --- | --- | ---: | ---: | ---: | ---: |"]
  out += [f"| [{r['shape'][0]}, {r['shape'][1]}] | {r['mode']} | {r['f32']:.4f} | {r['bf16']:.4f} | "
          f"{r['ratio']:.2f}x | {r['rel_diff']:.1e} |" for r in rows]
  return "\n".join(out)


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
          f"exp {probe['exp G/s']:.2f} G/s, fresh-output write {probe['write GB/s']:.1f} GB/s")
