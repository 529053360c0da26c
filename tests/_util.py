"""Helpers shared by the test modules."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from lossjax._spec import LossSpec


def cast(x: Any, dtype) -> Any:
  """numpy float arrays -> jax arrays of `dtype`; integer arrays -> jax arrays; others as is."""
  if isinstance(x, np.ndarray):
    return jnp.asarray(x, dtype if x.dtype.kind == "f" else None)
  return x


def example(spec: LossSpec, seed: int = 0, dtype=jnp.float64):
  """The registry's example inputs as jax arrays: (args, kwargs)."""
  args, kwargs = spec.example(np.random.default_rng(seed))
  return tuple(cast(a, dtype) for a in args), {k: cast(v, dtype) for k, v in kwargs.items()}


def call(spec: LossSpec, args, kwargs, **extra):
  return spec.fn(*args, **{**kwargs, **extra})


def first_of_each_family(specs) -> set[str]:
  """The name of the first loss of each family among `specs`."""
  return {next(s.name for s in specs if s.family == f) for f in dict.fromkeys(
      s.family for s in specs)}


def one_per_family(specs) -> list:
  """`pytest.param` for each spec, the first loss of each family in README's run and the others
  marked slow (CI's slow stage runs them): a per-loss sweep that README's 10 minutes on 2 cores
  cannot afford for every loss still runs for every family there, and for every loss in CI."""
  import pytest

  first = first_of_each_family(specs)
  return [pytest.param(s, id=s.name, marks=() if s.name in first else pytest.mark.slow)
          for s in specs]
