"""Bad input raises a femtbr error that names the offending entity."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from fem_helpers import ConstantH

from femtbr.errors import FemtbrError, InputError, MeshError, ModelError
from femtbr.fem import Convection, FixedTemperature, InterfaceSpec, Problem, Source, solve
from femtbr.fem.meshes import tensor_mesh
from femtbr.mesh import Interface, TaggedMesh


def _mesh():
    g = np.linspace(0, 3, 7)
    m = tensor_mesh(g, np.linspace(0, 1, 3), None, "quad",
                    lambda c: np.where(c[:, 0] < 1, "a", np.where(c[:, 0] < 2, "b", "c")))
    return m.interface_between("ab", "a", "b").interface_between("bc", "b", "c")


def _problem(mesh=None, **kw):
    args = dict(conductivity={"a": 1.0, "b": 2.0, "c": 3.0},
                boundaries={"xmin": FixedTemperature(300.0), "xmax": Convection(10.0, 290.0)},
                interfaces={"ab": InterfaceSpec(ConstantH(100.0))})
    args.update(kw)
    return Problem(mesh or _mesh(), **args)


class _Bad:
    def __init__(self, h):
        self.h = h

    def conductance(self, T, p):
        return np.full_like(T, self.h), np.zeros_like(T)


def test_unknown_region_in_conductivity():
    with pytest.raises(InputError, match="'d'"):
        solve(_problem(conductivity={"a": 1.0, "b": 2.0, "c": 3.0, "d": 1.0}))


def test_missing_region_in_conductivity():
    with pytest.raises(InputError, match="'c'"):
        solve(_problem(conductivity={"a": 1.0, "b": 2.0}))


def test_unknown_region_in_source():
    with pytest.raises(InputError, match="'chip'"):
        solve(_problem(sources={"chip": Source(power=1.0)}))


def test_interface_between_non_adjacent_regions():
    m = _mesh()
    with pytest.raises(MeshError, match="'a' and 'c' share no facet"):
        m.interface_between("ac", "a", "c")
    bad = m.with_interfaces({"ac": Interface(m.interfaces["ab"].facets, "a", "c")})
    with pytest.raises(MeshError, match="interface 'ac'.*not between regions 'a' and 'c'"):
        solve(_problem(bad, interfaces={"ac": InterfaceSpec(ConstantH(1.0))}))


def test_interface_on_outer_boundary():
    m = _mesh()
    bad = m.with_interfaces({"ab": Interface(m.boundaries["xmin"], "a", "b")})
    with pytest.raises(MeshError, match="interface 'ab'.*not internal"):
        solve(_problem(bad))


def test_unknown_interface_and_boundary():
    with pytest.raises(MeshError, match="'ac'"):
        solve(_problem(interfaces={"ac": InterfaceSpec(ConstantH(1.0))}))
    with pytest.raises(InputError, match="'top'"):
        solve(_problem(boundaries={"top": FixedTemperature(300.0)}))


def test_boundary_not_on_boundary():
    m = _mesh()
    bad = m.with_boundaries({"xmin": m.interfaces["ab"].facets})
    with pytest.raises(MeshError, match="boundary 'xmin'.*interior"):
        solve(_problem(bad))


def test_mesh_without_tags():
    m = _mesh()
    bare = TaggedMesh(m.points, m.cells, "quad")
    with pytest.raises(MeshError, match="no regions"):
        solve(Problem(bare, {}))
    partial = replace(m, regions={"a": m.regions["a"], "b": m.regions["b"]}, interfaces={})
    with pytest.raises(MeshError, match="belong to no region"):
        solve(_problem(partial, interfaces={}))


def test_inverted_cell():
    m = _mesh()
    cells = m.cells.copy()
    cells[5] = cells[5, ::-1]
    with pytest.raises(MeshError, match=r"inverted.*cells 5 \(region 'b'\)"):
        solve(_problem(replace(m, cells=cells)))


@pytest.mark.parametrize("k", [0.0, -1.0, float("nan")])
def test_nonpositive_conductivity(k):
    with pytest.raises(InputError, match=r"conductivity\.b"):
        solve(_problem(conductivity={"a": 1.0, "b": k, "c": 3.0}))


def test_conductivity_function_negative():
    def k(T):
        return 1.0 - T / 100.0, -np.ones_like(T) / 100.0

    with pytest.raises(ModelError, match="region 'c'"):
        solve(_problem(conductivity={"a": 1.0, "b": 2.0, "c": k}))


@pytest.mark.parametrize("h,msg", [(-5.0, ">= 0"), (float("nan"), "NaN")])
def test_bad_conductance(h, msg):
    with pytest.raises(ModelError, match=f"interface 'ab'.*{msg}"):
        solve(_problem(interfaces={"ab": InterfaceSpec(_Bad(h))}))


def test_no_heat_sink():
    with pytest.raises(InputError, match="no fixed-temperature"):
        solve(_problem(boundaries={}, sources={"a": Source(power=1.0)}))


def test_errors_are_femtbr_errors():
    assert issubclass(MeshError, FemtbrError) and issubclass(ModelError, FemtbrError)


def test_non_convergence_raises_with_history():
    from fem_helpers import CubicH

    from femtbr.errors import ConvergenceError
    from femtbr.fem import SolverOptions

    pb = _problem(interfaces={"ab": InterfaceSpec(CubicH(1e-5))},
                  sources={"a": Source(power=1e3)},
                  options=SolverOptions(max_iterations=2, linear_solver="direct"))
    with pytest.raises(ConvergenceError) as info:
        solve(pb)
    hist = info.value.history
    assert len(hist) == 3 and hist[0] == 1.0 and hist[-1] > 1e-10
    assert info.value.exit_code == 3


# ------------------------------------------------------------------ singular problems (issue 14)
def _two_blocks(right: str) -> TaggedMesh:
    """Block "a" on [0, 1] and a block named ``right`` on [2, 3] (× [0, 1]): no shared facet."""
    left = tensor_mesh(np.linspace(0, 1, 3), np.linspace(0, 1, 3), None, "quad",
                       lambda c: np.full(c.shape[0], "a"))
    other = tensor_mesh(np.linspace(2, 3, 3), np.linspace(0, 1, 3), None, "quad",
                        lambda c: np.full(c.shape[0], right))
    n, nc = left.points.shape[0], left.cells.shape[0]
    regions = {"a": left.regions["a"]}
    regions[right] = np.concatenate([regions.get(right, np.zeros(0, int)),
                                     other.regions[right] + nc])
    if right == "a":
        regions = {"a": np.arange(2 * nc)}
    return TaggedMesh(np.vstack([left.points, other.points]),
                      np.vstack([left.cells, other.cells + n]), "quad", regions,
                      {"xmin": left.boundaries["xmin"], "far": other.boundaries["xmax"] + n})


def test_disconnected_region_is_named_before_solving():
    pb = Problem(_two_blocks("c"), conductivity={"a": 1.0, "c": 1.0},
                 sources={"c": Source(power=1.0)}, boundaries={"xmin": FixedTemperature(300.0)})
    with pytest.raises(InputError, match=r"1 part\(s\).*\n  region\(s\) 'c': 4 cells in the box "
                                         r"\[2\.0, 0\.0\]\.\.\[3\.0, 1\.0\]"):
        solve(pb)


def test_split_apart_part_of_a_region_is_named():
    pb = Problem(_two_blocks("a"), conductivity={"a": 1.0},
                 boundaries={"xmin": FixedTemperature(300.0)})
    with pytest.raises(InputError, match=r"'a' \(a split-apart part of it\): 4 cells.*\[2\.0"):
        solve(pb)


def test_zero_convection_is_no_heat_path():
    pb = Problem(_two_blocks("c"), conductivity={"a": 1.0, "c": 1.0},
                 boundaries={"xmin": FixedTemperature(300.0), "far": Convection(0.0, 290.0)})
    with pytest.raises(InputError, match=r"region\(s\) 'c'(.|\n)*carrying no heat.*boundary 'far'"):
        solve(pb)
    # the same with h > 0 has a heat path: T = 290 K in block c (no source), 300 K in a
    ok = solve(replace(pb, boundaries={"xmin": FixedTemperature(300.0),
                                       "far": Convection(5.0, 290.0)}))
    assert np.allclose(ok.regions["c"].T_max, 290.0, rtol=0, atol=1e-9)


class _ContactLike:
    """h = 1e4 (p / 1 MPa) W/(m² K): nothing at zero pressure, like a contact model."""

    def conductance(self, T, p):
        return 1e4 * p / 1e6, np.zeros_like(T)


def test_interface_with_zero_h_everywhere_is_named():
    with pytest.raises(InputError, match=r"interfaces\.ab: h = 0 .*pressure = 0 Pa.*"
                                         r"check the parameters of interfaces\.ab"):
        solve(_problem(interfaces={"ab": InterfaceSpec(ConstantH(0.0))}))
    with pytest.raises(InputError, match=r"interfaces\.ab: h = 0 .*pressure = 0 Pa made it zero "
                                         r".*h = 1e\+04 .*set interfaces\.ab\.pressure"):
        solve(_problem(interfaces={"ab": InterfaceSpec(_ContactLike())}))


@pytest.mark.parametrize("k", [1e-300, 5e-324])
def test_conductivity_lost_in_round_off(k):
    with pytest.raises(InputError, match=r"conductivity\.b: .*region 'b' conduct no heat"):
        solve(_problem(conductivity={"a": 1.0, "b": k, "c": 3.0}))


def test_small_but_resolvable_conductivity_solves():
    """k_b = 1e-6 (an aerogel-like insulator) is 1e-8 of the others, far above round-off: the
    series answer through a, ab, b, bc, c (perfect bc) and the convection film holds."""
    kb, h, hc = 1e-6, 100.0, 10.0
    sol = solve(_problem(conductivity={"a": 1.0, "b": kb, "c": 3.0},
                         boundaries={"xmin": FixedTemperature(300.0),
                                     "xmax": Convection(hc, 290.0)}))
    R = 1 / 1.0 + 1 / h + 1 / kb + 1 / 3.0 + 1 / hc  # per unit area, unit lengths
    q = (300.0 - 290.0) / R  # W/m² through the unit-height strip
    assert sol.boundaries["xmax"] == pytest.approx(q, rel=1e-9)
    assert sol.energy_balance <= 1e-6 and sol.energy_balance_W >= 0


def test_newton_floor_needs_a_reducing_step(monkeypatch):
    """A singular system slipped past the check: the residual grows with |T| and so does the
    round-off floor; Newton must not call that convergence (exit 3, not a result)."""
    from femtbr.errors import ConvergenceError
    from femtbr.fem import SolverOptions
    from femtbr.fem import newton as newton_mod

    monkeypatch.setattr(newton_mod, "check_heat_paths", lambda system, T: None)
    pb = Problem(_two_blocks("c"), conductivity={"a": 1.0, "c": 1.0},
                 sources={"c": Source(power=1.0)}, boundaries={"xmin": FixedTemperature(300.0)},
                 options=SolverOptions(linear_solver="direct", max_iterations=20))
    with pytest.raises(ConvergenceError, match="Newton did not converge") as info:
        solve(pb)  # (before: 1.0 -> 1.7 -> 2.0 accepted at the grown floor)
    assert min(info.value.history[1:]) > 1.0


def test_failed_energy_balance_raises(monkeypatch):
    """A result whose heat does not balance is not written (ConvergenceError with history)."""
    import sys

    from femtbr.errors import ConvergenceError

    solve_mod = sys.modules["femtbr.fem.solve"]
    real = solve_mod.build_solution

    def off_by_one_watt(system, result, timings):
        sol = real(system, result, timings)
        b = dict(sol.boundaries)
        b["xmax"] += 1.0
        return replace(sol, boundaries=b)

    monkeypatch.setattr(solve_mod, "build_solution", off_by_one_watt)
    with pytest.raises(ConvergenceError, match="energy balance fails") as info:
        solve(_problem(sources={"a": Source(power=10.0)}))
    assert info.value.history and info.value.exit_code == 3


def test_zero_power_balance_is_absolute_not_one():
    """No source, both ends at 300 K: no heat flows; the balance is reported in W and relative
    to the round-off level, not as 1.0."""
    sol = solve(_problem(boundaries={"xmin": FixedTemperature(300.0),
                                     "xmax": FixedTemperature(300.0)}))
    assert np.allclose([r.T_max for r in sol.regions.values()], 300.0, rtol=0, atol=1e-10)
    assert sol.energy_balance_W < 1e-9
    assert sol.energy_balance <= 1e-6


@pytest.mark.parametrize("x", [[1e30, 0.5], [1.5, -1e300], [float("nan"), 0.5], [3.5, 0.5]])
def test_probe_outside_the_mesh_is_an_input_error(x):
    """Far outside (Newton on the cells' maps used to overflow: LinAlgError), NaN, or just
    beyond the end: an InputError naming the probe point, never a traceback."""
    from femtbr.fem import probe

    sol = solve(_problem(sources={"a": Source(power=1.0)}))
    assert probe(sol, np.array([[1.5, 0.5]]))[0] > 290.0  # inside: a temperature
    with pytest.raises(InputError, match=r"probe point 0 at .* lies outside the mesh"):
        probe(sol, np.array([x]))
