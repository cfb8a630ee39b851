"""Derived quantities of a converged temperature field: heat flows, region and interface figures,
probes."""
