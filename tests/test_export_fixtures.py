"""A hand-built Solution of a layered slab in 1D heat conduction, for the export tests.

Layers i = 0..n-1 of thickness L_i and conductivity k_i are stacked along x and carry a uniform
heat flux q [W/m²] in +x.  With T(0) = T_hot and interface conductances h_i between layers
i and i+1, the exact solution is piecewise linear (series thermal resistances, e.g.
Incropera, *Fundamentals of Heat and Mass Transfer*, 7th ed., §3.1, eq. 3.19):

    T(x) = T_left,i - q (x - x_i) / k_i   inside layer i,
    T_left,i+1 = T_left,i - q L_i / k_i - q / h_i   (jump q/h_i at interface i).

The mesh is structured and split along every interface (no shared vertices), so the
temperature at the two coincident copies of an interface vertex differs by exactly q/h_i.
"""

from __future__ import annotations

import numpy as np

from femtbr.fem.values.solution import InterfaceResult, RegionResult, Solution

LAYERS = (("die", 0.5e-3, 150.0), ("tim", 0.1e-3, 4.0), ("sink", 2.0e-3, 400.0))
H = (2.0e4, 5.0e4)  # interface conductances [W/m²K]
Q = 1.0e5  # heat flux [W/m²]
T_HOT = 360.0  # [K]
WIDTH = 2.0e-3  # slab extent in y (and z) [m]


def _grid(x: np.ndarray, y: np.ndarray, z: np.ndarray | None):
    """Structured points and VTK-ordered quad / hexahedron cells."""
    nx, ny = len(x), len(y)
    if z is None:
        X, Y = np.meshgrid(x, y, indexing="ij")
        pts = np.column_stack([X.ravel(), Y.ravel()])
        idx = np.arange(nx * ny).reshape(nx, ny)
        a, b = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel()
        c, d = idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
        return pts, np.column_stack([a, b, c, d]), idx
    nz = len(z)
    X, Y, Z = np.meshgrid(x, y, z, indexing="ij")
    pts = np.column_stack([X.ravel(), Y.ravel(), Z.ravel()])
    idx = np.arange(nx * ny * nz).reshape(nx, ny, nz)
    s = (slice(None, -1), slice(1, None))
    corner = [(0, 0), (1, 0), (1, 1), (0, 1)]
    bottom = [idx[s[i], s[j], s[0]].ravel() for i, j in corner]
    top = [idx[s[i], s[j], s[1]].ravel() for i, j in corner]
    return pts, np.column_stack(bottom + top), idx


def layered_solution(
    cell_type: str = "quad", n_per_layer: int = 3, n_side: int = 4, graded: bool = False
) -> Solution:
    """The layered slab (see module docstring) as a :class:`Solution`.

    ``cell_type`` is ``"quad"``, ``"triangle"`` (each quad cut in two) or ``"hexahedron"``;
    ``graded`` spaces the vertices in y (and z) quadratically (facets of unequal size).
    """
    dim = 3 if cell_type == "hexahedron" else 2
    ys = WIDTH * np.linspace(0.0, 1.0, n_side + 1) ** (2 if graded else 1)
    zs = ys if dim == 3 else None
    points, cells, region_id, temp, kcell = [], [], [], [], []
    regions, interfaces, x0, T_left, offset = {}, {}, 0.0, T_HOT, 0
    last_face = None
    T_prev_right = T_HOT
    for i, (name, L, k) in enumerate(LAYERS):
        xs = np.linspace(x0, x0 + L, n_per_layer + 1)
        p, c, idx = _grid(xs, ys, zs)
        T = T_left - Q * (p[:, 0] - x0) / k
        if cell_type == "triangle":
            c = np.vstack([c[:, [0, 1, 2]], c[:, [0, 2, 3]]])
        if i > 0:
            fa = last_face  # side a = previous layer (hotter), vertices at its right face
            h = H[i - 1]
            T_a = T_prev_right
            T_b = T_left
            jump = np.full(len(fa), T_a - T_b)
            area = WIDTH ** (dim - 1)
            interfaces[f"{LAYERS[i - 1][0]}_{name}"] = InterfaceResult(
                area=area,
                heat=Q * area,
                jump_mean=T_a - T_b,
                h_mean=h,
                resistance=1.0 / h,
                T_mean=0.5 * (T_a + T_b),
                centers=points[-1][0][fa - points[-1][1]].mean(axis=1),
                T_a=np.full(len(fa), T_a),
                T_b=np.full(len(fa), T_b),
                jump=jump,
                heat_flux=np.full(len(fa), Q),
                h=np.full(len(fa), h),
                components={"contact": np.full(len(fa), 0.7 * h), "gap": np.full(len(fa), 0.3 * h)}
                if i == 1
                else {},
                facet_cells=fa,
            )
        right = idx[-1]  # vertex grid of the right face
        if dim == 2:
            last_face = np.column_stack([right[:-1], right[1:]]) + offset
        else:
            last_face = (
                np.column_stack(
                    [
                        right[:-1, :-1].ravel(),
                        right[1:, :-1].ravel(),
                        right[1:, 1:].ravel(),
                        right[:-1, 1:].ravel(),
                    ]
                )
                + offset
            )
        points.append((p, offset))
        cells.append(c + offset)
        region_id.append(np.full(len(c), i))
        kcell.append(np.full(len(c), k))
        temp.append(T)
        T_prev_right = T_left - Q * L / k
        regions[name] = RegionResult(
            T_max=float(T.max()),
            T_mean=float(0.5 * (T_left + T_prev_right)),
            power=0.0,
            volume=L * WIDTH ** (dim - 1),
        )
        if i < len(H):
            T_left = T_prev_right - Q / H[i]
        offset += len(p)
        x0 += L
    n_cells = sum(len(c) for c in cells)
    flux = np.zeros((n_cells, dim))
    flux[:, 0] = Q
    area = WIDTH ** (dim - 1)
    return Solution(
        points=np.vstack([p for p, _ in points]),
        cells=np.vstack(cells),
        cell_type=cell_type,
        temperature=np.concatenate(temp),
        region_id=np.concatenate(region_id),
        region_names=tuple(n for n, _, _ in LAYERS),
        heat_flux=flux,
        conductivity=np.concatenate(kcell),
        regions=regions,
        interfaces=interfaces,
        boundaries={"hot": -Q * area, "cold": Q * area},
        converged=True,
        iterations=1,
        residual_history=(1.0, 1e-14),
        energy_balance=0.0,
        n_dofs=sum(len(p) for p, _ in points),
    )


def test_fixture_is_the_series_solution():
    """The fixture's own consistency: jumps equal q/h and the end drop is q·ΣR (series law)."""
    s = layered_solution("quad")
    for name, h in zip(s.interfaces, H, strict=True):
        r = s.interfaces[name]
        fa = s.points[r.facet_cells].mean(axis=1)
        np.testing.assert_allclose(fa, r.centers)
        np.testing.assert_allclose(r.jump, Q / h)
    total_R = sum(L / k for _, L, k in LAYERS) + sum(1.0 / h for h in H)
    assert np.isclose(s.temperature.max() - s.temperature.min(), Q * total_R, rtol=1e-12)
