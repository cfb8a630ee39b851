"""Speed and accuracy of the tabulated AMM / DMM conductance (not run in CI).

Prints evaluations per second of ``conductance(T, p)`` on 1e6 random temperatures and the
relative error of the tabulated h(T) (emitted-phonon convention, common cutoff) against direct
double quadrature of Swartz & Pohl eq. (16)
(``femtbr.models._phonon.direct_h``), plus dh/dT against central finite differences.

    python benchmarks/bench_phonon.py
"""

from __future__ import annotations

import math
import time

import numpy as np

from femtbr import models
from femtbr.models import _phonon as ph

PAIRS = [("Al", "Si"), ("Au", "Si"), ("Pb", "diamond"), ("He4_liquid", "Cu")]


def speed(model, n=1_000_000, repeat=5) -> float:
    T = np.exp(np.random.default_rng(1).uniform(math.log(0.1), math.log(3000.0), n))
    p = np.zeros(n)
    model.conductance(T, p)
    t0 = time.perf_counter()
    for _ in range(repeat):
        model.conductance(T, p)
    return n * repeat / (time.perf_counter() - t0)


def alpha_fn(model):
    if model.name == "dmm":
        a = model.transmission()
        return lambda j, th: a
    A, B = model.sides("a")
    if A.liquid and not B.liquid:  # liquid L into solid L + SV (mode conversion)
        from femtbr.models import _solid_liquid as sl

        def alpha_liquid(j, th):
            u = np.array([(math.sin(th) / A.speeds["L"]) ** 2])
            f = sl.energy_fractions(B.rho, B.speeds["L"], B.speeds["T1"], A.rho, A.speeds["L"],
                                    u, "liquid")
            return float(f["L"][0] + f["SV"][0])

        return alpha_liquid

    def alpha(j, th):
        c1, c2 = A.speeds[j], B.speeds.get(j)
        if c2 is None:
            return 0.0
        s2 = math.sin(th) * c2 / c1
        if s2 >= 1.0:
            return 0.0
        cos2 = math.sqrt(1 - s2 * s2)
        return float(ph.amm_alpha(A.rho * c1, B.rho * c2, math.cos(th), cos2, j != "L"))

    return alpha


def accuracy(model, T) -> tuple[float, float]:
    A, _ = model.sides("a")
    al = alpha_fn(model)
    ref = np.array([ph.direct_h(A, model.theta_c, t, al) for t in T])
    h, dh = model.conductance(T, 0.0)
    eps = 1e-6 * T
    fd = (model.conductance(T + eps, 0.0)[0] - model.conductance(T - eps, 0.0)[0]) / (2 * eps)
    # derivative error scaled by h/T (dh/dT itself vanishes in the classical limit)
    return float(np.max(np.abs(h / ref - 1))), float(np.max(np.abs(dh - fd) * T / h))


def main() -> None:
    T_acc = np.geomspace(0.2, 3000.0, 37)
    head = ("model", "pair", "evals/s", "max rel err h", "|dh/dT-FD|T/h")
    print(f"{head[0]:6s} {head[1]:18s} {head[2]:>12s} {head[3]:>14s} {head[4]:>14s}")
    for a, b in PAIRS:
        for name in ("amm", "dmm"):
            # the direct integral is Swartz & Pohl's: emitted-phonon temperatures
            m = models.create(name, side_a=a, side_b=b, temperature_convention="emitted")
            rate = speed(m)
            err_h, err_d = accuracy(m, T_acc)
            print(f"{name:6s} {a + '/' + b:18s} {rate:12.3e} {err_h:14.2e} {err_d:14.2e}")
    from scipy.integrate import quad

    x = np.geomspace(1e-4, 150.0, 400)
    Jt, _ = ph.debye_J(x)
    Jq = np.array([quad(lambda y: float(ph._dJ(np.array(y))), 0, xi, epsabs=0, epsrel=1e-13,
                        limit=200)[0] for xi in x])
    err = np.max(np.abs(Jt / Jq - 1))
    print(f"J(x) table vs quadrature, 1e-4 <= x <= 150: max rel err {err:.2e}")


if __name__ == "__main__":
    main()
