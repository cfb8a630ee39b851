"""constant, table, parallel, series: exact algebra, derivatives, components, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from femtbr.errors import ModelError
from femtbr.models import _surface as surf
from femtbr.models import create

T = np.array([150.0, 300.0, 480.0])
P = np.array([2e5, 1e6, 5e6])
RAD = {"model": "gap_radiation", "emissivity1": 0.6, "emissivity2": 0.9}  # h ~ T^3
GAS = {"model": "gas_gap", "Y": 2e-6, "k_g": 0.026, "gamma_gas": 1.4, "Pr": 0.7,
       "mfp0": 6.4e-8, "tac1": 0.9, "tac2": 0.9}  # fmt: skip


def make(spec):
    spec = dict(spec)
    return create(spec.pop("model"), **spec)


def fd(model, T, p, rel=1e-4):
    dT = rel * T
    return (model.conductance(T + dT, p)[0] - model.conductance(T - dT, p)[0]) / (2 * dT)


def test_constant():
    h, dh = create("constant", h=2.5e4).conductance(T, P)
    np.testing.assert_array_equal(h, 2.5e4)
    np.testing.assert_array_equal(dh, 0.0)
    assert h.shape == T.shape


def test_parallel_sum_components_and_derivative():
    par = create("parallel", parts=[{"model": "constant", "h": 1e3, "label": "glue"}, RAD, GAS])
    parts = [create("constant", h=1e3), make(RAD), make(GAS)]
    h, dh = par.conductance(T, P)
    np.testing.assert_allclose(h, sum(m.conductance(T, P)[0] for m in parts), rtol=1e-15)
    np.testing.assert_allclose(dh, sum(m.conductance(T, P)[1] for m in parts), rtol=1e-15)
    np.testing.assert_allclose(dh, fd(par, T, P), rtol=1e-6)
    comps = par.components(T, P)
    assert list(comps) == ["glue", "1:gap_radiation", "2:gas_gap"]
    np.testing.assert_allclose(sum(comps.values()), h, rtol=1e-15)


def test_series_resistances_add_exactly():
    ser = create("series", parts=[{"model": "constant", "h": 4e4}, RAD, GAS])
    parts = [create("constant", h=4e4), make(RAD), make(GAS)]
    h, dh = ser.conductance(T, P)
    R = sum(1.0 / m.conductance(T, P)[0] for m in parts)
    np.testing.assert_allclose(1.0 / h, R, rtol=1e-14)
    np.testing.assert_allclose(dh, fd(ser, T, P), rtol=1e-6)
    # two equal parts in series: h/2; in parallel: 2h
    two = [{"model": "constant", "h": 3e3}, {"model": "constant", "h": 3e3}]
    assert create("series", parts=two).conductance(300.0, 0.0)[0] == pytest.approx(1.5e3, rel=1e-15)
    assert create("parallel", parts=two).conductance(300.0, 0.0)[0] == pytest.approx(6e3, rel=1e-15)


def test_series_with_a_zero_part():
    ser = create("series", parts=[{"model": "constant", "h": 0.0}, RAD])
    h, dh = ser.conductance(T, P)
    np.testing.assert_array_equal(h, 0.0)
    np.testing.assert_array_equal(dh, 0.0)  # the zero part has dh/dT = 0
    vac = create(
        "series", parts=[{"model": "gas_gap", "p_gas": 0.0}, {"model": "constant", "h": 1.0}]
    )
    assert vac.conductance(300.0, 1e6)[0] == 0.0


def test_nested_composition_flattens_with_prefix_and_accepts_instances():
    inner = create("parallel", parts=[RAD, {"model": "constant", "h": 500.0, "label": "tim"}])
    outer = create("series", parts=[inner, {"model": "constant", "h": 1e4}])
    comps = outer.components(300.0, 1e6)
    assert set(comps) == {
        "0:parallel",
        "0:parallel/0:gap_radiation",
        "0:parallel/tim",
        "1:constant",
    }
    assert comps["0:parallel"] == pytest.approx(comps["0:parallel/0:gap_radiation"] + 500.0)
    h, dh = outer.conductance(T, P)
    np.testing.assert_allclose(dh, fd(outer, T, P), rtol=1e-6)
    # a nested composition given as a table works the same
    outer2 = create("series", parts=[{"model": "parallel", "parts": [RAD, {"model": "constant",
                                      "h": 500.0}]}, {"model": "constant", "h": 1e4}])  # fmt: skip
    np.testing.assert_allclose(outer2.conductance(T, P)[0], h, rtol=1e-15)


@pytest.mark.parametrize(
    "parts,match",
    [
        ([], r"series\.parts"),
        ("constant", r"series\.parts"),
        ([{"h": 1.0}], r"series\.parts\[0\]\.model"),
        ([{"model": "constant", "h": 1.0}, {"model": "nope"}], r"series\.parts\[1\].*available"),
        ([{"model": "constant", "h": -1.0}], r"series\.parts\[0\].*constant\.h"),
        ([42], r"series\.parts\[0\]"),
        (
            [
                {"model": "constant", "h": 1.0, "label": "a"},
                {"model": "constant", "h": 2.0, "label": "a"},
            ],
            r"series\.parts\[1\]\.label",
        ),  # fmt: skip
    ],
)
def test_composition_errors_name_the_part(parts, match):
    with pytest.raises(ModelError, match=match):
        create("series", parts=parts)


# ----------------------------------------------------------------------------- table
def bilinear(T, p):
    return 100.0 + 2.0 * T + 3e-4 * p + 1e-6 * T * p


@pytest.mark.parametrize("interp", ["linear", "pchip"])
def test_table_reproduces_bilinear_function_and_its_derivative(interp):
    Tk = np.array([100.0, 200.0, 350.0, 500.0])
    pk = np.array([0.0, 1e6, 4e6])
    h = bilinear(Tk[:, None], pk[None, :])
    tab = create("table", T=Tk.tolist(), p=pk.tolist(), h=h.tolist(), interp=interp)
    Tq, pq = np.array([120.0, 260.0, 499.0]), np.array([3e5, 2.5e6, 1e6])
    hq, dq = tab.conductance(Tq, pq)
    np.testing.assert_allclose(hq, bilinear(Tq, pq), rtol=1e-12)
    np.testing.assert_allclose(dq, 2.0 + 1e-6 * pq, rtol=1e-10)


def test_table_linear_slope_and_pchip_fd():
    Tk, hk = [100.0, 200.0, 400.0], [1e3, 3e3, 4e3]
    lin = create("table", T=Tk, h=hk, interp="linear")
    h, dh = lin.conductance(np.array([150.0, 300.0]), 0.0)
    np.testing.assert_allclose(h, [2e3, 3.5e3])
    np.testing.assert_allclose(dh, [20.0, 5.0])  # the segment slopes
    pch = create("table", T=Tk, h=hk)
    Tq = np.array([130.0, 250.0, 390.0])
    h, dh = pch.conductance(Tq, 0.0)
    np.testing.assert_allclose(dh, fd(pch, Tq, 0.0, rel=1e-6), rtol=1e-5)
    assert np.all(np.diff(pch.conductance(np.linspace(100, 400, 301), 0.0)[0]) >= 0)  # monotone


def test_table_clamps_and_warns_outside():
    tab = create("table", T=[100.0, 200.0], h=[1.0, 2.0])
    with pytest.warns(surf.RangeWarning, match="table"):
        h, dh = tab.conductance(np.array([50.0, 250.0]), 0.0)
    np.testing.assert_array_equal(h, [1.0, 2.0])
    np.testing.assert_array_equal(dh, [0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tab.conductance(150.0, 0.0)


def test_table_from_csv(tmp_path):
    Tk, pk = [100.0, 300.0, 500.0], [0.0, 2e6]
    rows = ["# h vs T and p", "T,p,h"]
    for p in pk:  # long format, any order
        rows += [f"{t},{p},{bilinear(t, p)!r}" for t in Tk]
    path = tmp_path / "h.csv"
    path.write_text("\n".join(rows) + "\n")
    tab = create("table", file=str(path), interp="linear")
    np.testing.assert_allclose(tab.conductance(T, np.array([0.0, 1e6, 2e6]))[0],
                               bilinear(T, np.array([0.0, 1e6, 2e6])), rtol=1e-12)  # fmt: skip
    p1 = tmp_path / "h1.csv"
    p1.write_text("T,h\n300,5\n100,1\n")
    assert create("table", file=str(p1), interp="linear").conductance(200.0, 0.0)[0] == 3.0
    bad = tmp_path / "bad.csv"
    bad.write_text("T,p,h\n100,0,1\n200,0,2\n100,1,3\n")
    with pytest.raises(ModelError, match=r"table\.file"):
        create("table", file=str(bad))
    with pytest.raises(ModelError, match=r"table\.file"):
        create("table", file=str(tmp_path / "missing.csv"))


@pytest.mark.parametrize(
    "params,key",
    [
        ({"T": [200.0, 100.0], "h": [1.0, 2.0]}, "table.T"),
        ({"T": [100.0], "h": [1.0]}, "table.T"),
        ({"T": [100.0, 200.0], "h": [1.0, 2.0, 3.0]}, "table.h"),
        ({"T": [100.0, 200.0], "h": [1.0, -2.0]}, "table.h"),
        ({"T": [100.0, 200.0], "h": [[1.0, 2.0], [3.0, 4.0]], "p": [2.0, 1.0]}, "table.p"),
        ({"T": [100.0, 200.0], "h": [1.0, 2.0], "interp": "cubic"}, "table.interp"),
        ({"h": [1.0, 2.0]}, "table.T"),
    ],
)
def test_table_bad_input(params, key):
    with pytest.raises(ModelError, match=key.replace(".", r"\.")):
        create("table", **params)


def test_models_pickle_by_parameters():
    # sweeps ship models to worker processes: derived state (splines, closures) is rebuilt
    import pickle

    ser = create("series", parts=[{"model": "table", "T": [100.0, 500.0], "h": [1e3, 3e3]}, RAD])
    par = create("parallel", parts=[ser, create("cmy", k_s=16.0, sigma=1e-6, m=0.1, H_c=2e9)])
    back = pickle.loads(pickle.dumps(par))
    np.testing.assert_array_equal(back.conductance(T, P)[0], par.conductance(T, P)[0])
    np.testing.assert_array_equal(back.conductance(T, P)[1], par.conductance(T, P)[1])
