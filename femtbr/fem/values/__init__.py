"""The values a solve takes and gives: problem ingredients (boundary conditions, sources,
interface specs, conductivity tensors, pressure fields, transient problems, power waveforms) and
the solution."""
