"""linear_cross_entropy vs the naive jitted cross_entropy(h @ W), tokamax and PyTorch 2.13.

    python benchmarks/linear_cross_entropy.py [--n 2048 --d 1024 --v 32768] [--repeats 9]
    python benchmarks/linear_cross_entropy.py --frontier [--repeats 3]

value_and_grad wrt hidden and weight, float32, all in one process on the same
inputs (numpy arrays shared with torch zero-copy). Runs are interleaved
(A B C A B C ...); the table gives the median with min and max, the ratio to
the naive program, compile time and the compiled program's temporaries
(``memory_analysis().temp_size_in_bytes``; XLA's figure for the JAX programs).

Peers, each where importable: PyTorch 2.13 (CPU build; torch.set_num_threads =
CPU count) and Google's tokamax (``linear_softmax_cross_entropy_loss``,
``implementation="chunked_xla"``, its [D, V] layout given as its own array).
tokamax's index release (0.0.12) has no chunked_xla; its GitHub source has (0.0.13
at 783ea957, which asks for jax >= 0.11 and Python >= 3.12 but runs on jax
0.10.2): install it in a Python 3.12 environment beside lossjax,

    pip install "jax==0.10.2" absl-py einshape jaxtyping pydantic qwix tqdm \\
        typeguard==2.13.3 immutabledict tensorboardx xprof chex
    pip install --no-deps ./tokamax  # a checkout of github.com/openxla/tokamax at 783ea957
    pip install --no-deps -e .       # lossjax

``--frontier`` measures the memory/time trade-off of linear_cross_entropy's
blocks (``token_chunk``, ``vocab_chunk``) at four shapes beside tokamax's
point: temporaries at every shape, time where one naive run takes at most
``--max-gflop`` of work, and tokamax's and lossjax's values at V = 50257 (not a
multiple of tokamax's 2048-column blocks) against float64.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

import lossjax as lj

try:
  import tokamax
except ImportError:
  tokamax = None

#: The frontier's shapes (N, D, V): the issue's two tokamax points, the default of this
#: script and GPT-2's vocabulary (not a multiple of 2048).
SHAPES = ((1024, 512, 131072), (8192, 4096, 131072), (2048, 1024, 32768), (2048, 1024, 50257))

#: lossjax's block choices on the frontier: None is the default (the CPU's fused one-pass
#: kernel); (token_chunk, None) the fused kernel with that many tokens per block;
#: (token_chunk, vocab_chunk) the general two-pass kernel with those blocks.
BLOCKS = (None, (64, None), (16, None), (1024, 2048), (1024, 1024), (256, 1024))


def _lossjax(blocks):
  tc, vc = blocks or (None, None)
  return lambda h, w, wt, y: lj.linear_cross_entropy(h, w, y, token_chunk=tc, vocab_chunk=vc)


def _label(blocks):
  if blocks is None:
    return "lossjax (default)"
  tc, vc = blocks
  return f"lossjax token_chunk={tc}" + ("" if vc is None else f", vocab_chunk={vc}")


def programs(blocks=(None,)):
  progs = {"naive jit": lambda h, w, wt, y: lj.cross_entropy(h @ w.T, y)}
  for b in blocks:
    progs[_label(b)] = _lossjax(b)
  if tokamax is not None:
    progs["tokamax chunked_xla"] = lambda h, w, wt, y: tokamax.linear_softmax_cross_entropy_loss(
        h, y, wt, reduction="mean", implementation="chunked_xla")
  return progs


def _value_and_grad(name, f):
  """value_and_grad wrt h and the weight each program takes: W, or W^T for tokamax."""
  return jax.jit(jax.value_and_grad(f, argnums=(0, 2) if name.startswith("tokamax") else (0, 1)))


def temporaries(progs, n, d, v):
  """GiB of compiled temporaries of value_and_grad wrt h and W (W^T for tokamax)."""
  h, w = jax.ShapeDtypeStruct((n, d), jnp.float32), jax.ShapeDtypeStruct((v, d), jnp.float32)
  wt, y = jax.ShapeDtypeStruct((d, v), jnp.float32), jax.ShapeDtypeStruct((n,), jnp.int32)
  out = {}
  for name, f in progs.items():
    c = _value_and_grad(name, f).lower(h, w, wt, y).compile()
    out[name] = c.memory_analysis().temp_size_in_bytes / 2**30
  return out


def inputs(n, d, v, seed=0):
  rng = np.random.default_rng(seed)
  h = rng.normal(size=(n, d)).astype(np.float32)
  w = (rng.normal(size=(v, d)) / np.sqrt(d)).astype(np.float32)  # [V, D], torch's layout
  y = rng.integers(0, v, size=(n,))
  return h, w, y


def timings(progs, h_np, w_np, y_np, repeats, with_torch):
  h, w, y = jnp.asarray(h_np), jnp.asarray(w_np), jnp.asarray(y_np, jnp.int32)
  wt = jnp.asarray(np.ascontiguousarray(w_np.T))
  runners, compile_s = {}, {}
  for name, f in progs.items():
    t0 = time.perf_counter()
    compiled = _value_and_grad(name, f).lower(h, w, wt, y).compile()
    compile_s[name] = time.perf_counter() - t0
    runners[name] = lambda c=compiled: jax.block_until_ready(c(h, w, wt, y))
  torch = None
  if with_torch:
    try:
      import torch
      import torch.nn.functional as F

      torch.set_num_threads(os.cpu_count())
      th = torch.from_numpy(h_np).requires_grad_(True)  # zero-copy views of the same arrays
      tw = torch.from_numpy(w_np).requires_grad_(True)
      ty = torch.from_numpy(y_np)

      def torch_run(options=None):
        th.grad = tw.grad = None
        loss = F.linear_cross_entropy(th, tw, ty, options=options)
        loss.backward()
        return loss.item()

      runners["torch 2.13 linear_cross_entropy (reference)"] = torch_run
      if hasattr(torch.nn, "LinearCrossEntropyOptions"):
        opts = torch.nn.LinearCrossEntropyOptions()
        runners["torch 2.13 linear_cross_entropy (chunked)"] = lambda: torch_run(opts)
    except ImportError:
      torch = None
  for run in runners.values():  # warm up
    run()
  times = {name: [] for name in runners}
  for _ in range(repeats):
    for name, run in runners.items():  # interleaved
      t0 = time.perf_counter()
      run()
      times[name].append(time.perf_counter() - t0)
  return times, compile_s, torch


def correctness(v=50257, n=512, d=256):
  """Each implementation's float32 mean loss against float64 lossjax (the exact value)."""
  h, w, y = inputs(n, d, v, seed=1)
  with jax.enable_x64(True):
    exact = float(lj.cross_entropy(jnp.asarray(h, jnp.float64) @ jnp.asarray(w, jnp.float64).T,
                                   jnp.asarray(y)))
  got = {"lossjax (default)": float(lj.linear_cross_entropy(jnp.asarray(h), jnp.asarray(w),
                                                            jnp.asarray(y, jnp.int32)))}
  if tokamax is not None:
    got["tokamax chunked_xla"] = float(tokamax.linear_softmax_cross_entropy_loss(
        jnp.asarray(h), jnp.asarray(y, jnp.int32), jnp.asarray(np.ascontiguousarray(w.T)),
        reduction="mean", implementation="chunked_xla"))
  return exact, got


def header():
  device = jax.devices()[0]
  versions = f"jax {jax.__version__}"
  if tokamax is not None:
    versions += f", tokamax {getattr(tokamax, '__version__', '?')}"
  return (f"device: {device.platform} ({device.device_kind}), {os.cpu_count()} CPU cores; "
          f"{versions}")


def main() -> None:
  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  ap.add_argument("--n", type=int, default=2048)
  ap.add_argument("--d", type=int, default=1024)
  ap.add_argument("--v", type=int, default=32768)
  ap.add_argument("--repeats", type=int, default=9)
  ap.add_argument("--frontier", action="store_true")
  ap.add_argument("--max-gflop", type=float, default=1000.0,
                  help="--frontier times a shape only if one naive run is at most this work")
  args = ap.parse_args()
  print(header())
  if not args.frontier:
    n, d, v = args.n, args.d, args.v
    progs = programs()
    mem = temporaries(progs, n, d, v)
    times, compile_s, torch = timings(progs, *inputs(n, d, v), args.repeats, with_torch=True)
    print(f"value_and_grad, N={n}, D={d}, V={v}, float32"
          + (f"; torch {torch.__version__}" if torch else ""))
    base = statistics.median(times["naive jit"])
    print("| implementation | median s | min s | max s | vs naive jit | compile s | temporaries GiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, ts in times.items():
      med = statistics.median(ts)
      comp = f"{compile_s[name]:.2f}" if name in compile_s else "—"
      gib = f"{mem[name]:.4f}" if name in mem else "—"
      print(f"| {name} | {med:.3f} | {min(ts):.3f} | {max(ts):.3f} | {med / base:.2f}x | {comp} | {gib} |")
    return
  exact, got = correctness()
  print(f"\nV = 50257 (N=512, D=256), float32 mean loss; float64 value {exact:.6f}")
  print("| implementation | loss | abs. error |")
  print("| --- | ---: | ---: |")
  for name, val in got.items():
    print(f"| {name} | {val:.6f} | {abs(val - exact):.1e} |")
  progs = programs(BLOCKS)
  for n, d, v in SHAPES:
    mem = temporaries(progs, n, d, v)
    gflop = 3 * 2 * n * d * v / 1e9
    timed = gflop <= args.max_gflop
    times = timings(progs, *inputs(n, d, v), args.repeats, with_torch=False)[0] if timed else {}
    print(f"\nN={n}, D={d}, V={v}: value_and_grad, float32"
          + ("" if timed else f" (temporaries only: {gflop:.0f} GFLOP per naive run)"))
    print("| implementation | temporaries GiB | median s | min s | max s | vs naive |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    base = statistics.median(times["naive jit"]) if timed else None
    for name in progs:
      if timed:
        med = statistics.median(times[name])
        cols = f"{med:.3f} | {min(times[name]):.3f} | {max(times[name]):.3f} | {med / base:.2f}x"
      else:
        cols = "— | — | — | —"
      print(f"| {name} | {mem[name]:.4f} | {cols} |", flush=True)


if __name__ == "__main__":
  main()
