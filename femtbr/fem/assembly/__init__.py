"""From mesh to algebraic system: validation, node splitting, DOF numbering, the discretization
and its cache, Dirichlet elimination, residual and Jacobian assembly."""
