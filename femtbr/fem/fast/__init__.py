"""Fast kernels: reference-element tables, vectorised geometry and element matrices, the k(T)
conduction kernel, sparse-pattern helpers (each proven equal to skfem.asm of its form in the
tests)."""
