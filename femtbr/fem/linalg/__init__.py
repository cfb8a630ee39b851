"""Linear algebra: smoothed-aggregation AMG, Krylov methods, the solver policy with its fallbacks
and kept state, thread-parallel sparse products."""
