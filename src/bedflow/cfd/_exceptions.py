"""Errors of the flow solvers: defined in :mod:`bedflow._exceptions` (the one error tree)."""

from bedflow._exceptions import CfdInputError, LatticeStabilityError, SolverCancelled

__all__ = ["CfdInputError", "LatticeStabilityError", "SolverCancelled"]
