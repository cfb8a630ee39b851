"""The scikit-fem plugin surface (femtbr.skfem): the documented example and the conversions."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest
import skfem

from femtbr.errors import MeshError
from femtbr.fem import FixedTemperature, HeatFlux, InterfaceSpec, Problem, SolverOptions, solve
from femtbr.fem.assembly.discretization import Discretization
from femtbr.skfem import from_skfem, split

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "skfem_two_layer.py"


@pytest.fixture(scope="module")
def example():
    return runpy.run_path(str(EXAMPLE))


def test_docs_example_matches_femtbr_solve(example):
    """The dozen lines of plain scikit-fem give femtbr's own solve of the same problem."""
    ex = example
    tagged = from_skfem(ex["mesh"])
    assert (tagged.interfaces["si_cu"].region_a, tagged.interfaces["si_cu"].region_b) == \
        ("si", "cu")
    pb = Problem(tagged, ex["k"], {}, {"top": HeatFlux(1e6), "bottom": FixedTemperature(300.0)},
                 {"si_cu": InterfaceSpec(ex["dmm"])}, SolverOptions(rtol=1e-13))
    sol = solve(pb)
    T = ex["T"]
    assert T.shape == sol.temperature.shape
    assert np.abs(T - sol.temperature).max() <= 1e-10 * np.abs(sol.temperature).max()


def test_docs_example_is_the_1d_series_answer(example):
    """Uniform flux q through Si (0.5 mm) and Cu (1 mm) in series with h(T̄) of the DMM: the
    field is linear in each layer, which Q1 elements hold exactly, so the FE answer is the
    closed form T_top = T_0 + q t_cu/k_cu + q/h(T̄) + q t_si/k_si with T̄ the mean of the two
    interface temperatures (a scalar fixed point)."""
    ex = example
    q, k = 1e6, ex["k"]
    T_cu = 300.0 + q * 1e-3 / k["cu"]
    jump = 0.0
    for _ in range(50):
        h, _ = ex["dmm"].conductance(np.array([T_cu + 0.5 * jump]), 0.0)
        jump = q / float(h[0])
    T_top = T_cu + jump + q * 0.5e-3 / k["si"]
    assert ex["T"].max() == pytest.approx(T_top, rel=1e-12)
    assert float(np.mean(ex["Ta"] - ex["Tb"])) == pytest.approx(jump, rel=1e-9)


@pytest.mark.parametrize("cls", [skfem.MeshTri, skfem.MeshQuad, skfem.MeshTet, skfem.MeshHex])
def test_from_skfem_meshes_of_every_type(cls):
    """scikit-fem's own meshes (either orientation) become valid tagged meshes whose split
    keeps volumes and whose interface bases pair the same physical points."""
    dim = 2 if cls in (skfem.MeshTri, skfem.MeshQuad) else 3
    axes = [np.linspace(0, 1, 4)] * dim
    m = cls.init_tensor(*axes)
    m = m.with_subdomains({"a": lambda x: x[0] < 1 / 3, "b": lambda x: x[0] > 1 / 3})
    m = m.with_boundaries({"left": lambda x: np.isclose(x[0], 0.0)})
    m = m.with_boundaries({"ab": lambda x: np.isclose(x[0], 1 / 3)}, boundaries_only=False)
    s = split(m, ["ab"], order=2)
    assert isinstance(s.discretization, Discretization)
    assert s.discretization.region_volume("a") == pytest.approx(1 / 3, rel=1e-12)
    itf = s.interfaces["ab"]
    xa, xb = itf.side_a.global_coordinates(), itf.side_b.global_coordinates()
    assert np.abs(np.asarray(xa) - np.asarray(xb)).max() < 1e-14
    assert np.allclose(np.asarray(xa)[0], 1 / 3)
    assert s.parent.size > m.p.shape[1]  # the interface vertices were duplicated
    parent = s.dof_parent()  # each P2 DOF copy sits where its unsplit DOF sits
    whole = skfem.Basis(_unsplit(s), s.basis.elem)
    assert np.abs(s.basis.doflocs - whole.doflocs[:, parent]).max() < 1e-14
    assert np.unique(parent).size == whole.N < s.basis.N
    # side a lies in region a: the a basis sees the a DOFs only
    assert np.isin(itf.side_a.element_dofs, s.region_dofs("a")).all()
    assert not np.isin(itf.side_b.element_dofs, s.region_dofs("a")).any()


def _unsplit(s):
    d = s.discretization
    return type(s.mesh)(d.points.T.copy(), d.cells.T.copy(), sort_t=False)


def test_from_skfem_names_a_bad_facet_set():
    m = skfem.MeshTri.init_tensor(np.linspace(0, 1, 4), np.linspace(0, 1, 4))
    m = m.with_subdomains({"all": lambda x: x[0] < 2})
    m = m.with_boundaries({"mixed": lambda x: x[1] < 0.5}, boundaries_only=False)
    with pytest.raises(MeshError, match="'mixed'"):
        from_skfem(m)
    with pytest.raises(MeshError, match="subdomains"):
        from_skfem(skfem.MeshTri())
    half = skfem.MeshTri().with_subdomains({"a": lambda x: x[0] < 0.5})
    with pytest.raises(MeshError, match="in no subdomain"):
        from_skfem(half)
    pair = skfem.MeshQuad.init_tensor(np.linspace(0, 1, 4), np.linspace(0, 1, 4))
    pair = pair.with_subdomains({"a": lambda x: x[0] < 1 / 3, "b": lambda x: x[0] > 1 / 3})
    pair = pair.with_boundaries({"inside_b": lambda x: np.isclose(x[0], 2 / 3)},
                                boundaries_only=False)
    with pytest.raises(MeshError, match="'inside_b'.*two subdomains"):
        from_skfem(pair)
