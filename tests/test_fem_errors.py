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
