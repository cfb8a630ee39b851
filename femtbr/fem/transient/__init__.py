"""Time integration: the implicit integrator, its schemes and the transient system."""
