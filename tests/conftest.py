"""Test configuration: float64 available, and silent broadcasting or implicit
dtype promotion anywhere inside lossjax is an error (as in equinox's tests)."""

import pathlib
import sys

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_numpy_dtype_promotion", "strict")

# tests/ holds the fixture generator's modules (torchref, fixture_cases).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
