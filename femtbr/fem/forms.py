"""femtbr's physics as scikit-fem forms: the specification every fast kernel is proven equal to.

Each term of the steady heat equation with interface conductances (and the heat capacity of
the transient one) is a few-line :class:`skfem.BilinearForm`, :class:`skfem.LinearForm` or
:class:`skfem.Functional`.  Coefficients reach the forms by name through ``w`` (arrays at the
quadrature points, or :class:`skfem.DiscreteField` from ``basis.interpolate``), all SI:

``w.T``              temperature [K] (a field: ``w.T.grad`` is ∇T [K/m]),
``w.k``, ``w.dk``    conductivity k(T) [W/(m K)] and dk/dT [W/(m K²)] at the points,
``w.K``, ``w.dK``    conductivity tensor K(T) [W/(m K)] and dK/dT [W/(m K²)], ``(d, d, …)``
                     (:mod:`femtbr.fem.values.conductivity_tensor`),
``w.conductance``,   interface conductance h(T̄, p) [W/(m² K)] and dh/dT [W/(m² K²)],
``w.dconductance``   with T̄ = (T_a + T_b)/2,
``w.T_a``, ``w.T_b`` the two sides' temperatures on an interface [K],
``w.pressure``       local contact pressure p(x) on an interface [Pa] (h is evaluated at it),
``w.film``           convective film coefficient [W/(m² K)], ``w.T_inf`` ambient [K],
``w.emissivity``     grey emissivity [-],
``w.flux``           prescribed heat flux into the body [W/m²],
``w.density``        volumetric source density [W/m³],
``w.capacity``       volumetric heat capacity ρ c_p [J/(m³ K)],
``w.enthalpy``       volumetric enthalpy H(T) = ∫_{T_ref}^{T} ρc_p ds [J/m³].

``w.h`` is never used: scikit-fem fills it with the mesh size.

The residual R(T) of the steady problem (v test function; a → b across an interface) is

    R(T; v) = ∫_Ω k(T) ∇T·∇v [or (K(T)∇T)·∇v] + Σ_Γ ∫_Γ h(T̄, p)(T_a − T_b)(v_a − v_b)
              + ∫_conv h_f (T − T∞) v + ∫_rad εσ(T⁴ − T∞⁴) v − ∫_Ω s v − ∫_flux q v

(standard Galerkin, Zienkiewicz, Taylor & Zhu, *The Finite Element Method*, 7th ed., §3; the
interface "spring" term of Wriggers, *Computational Contact Mechanics*, 2nd ed. (2006), §4.6;
grey-body Stefan–Boltzmann radiation), and each ``*_jacobian`` form is its exact Gateaux
derivative in the direction u, so Newton converges quadratically.  Residual forms are
:class:`~skfem.LinearForm` in v; the jacobians are :class:`~skfem.BilinearForm` in (u, v).
Interface forms are assembled on the pair ``fa @ fb`` of facet bases of sides a and b (see
:mod:`femtbr.fem.skfem`), so they receive ``(u_a, u_b, v_a, v_b, w)``.

Axisymmetric problems (a 2D r–z section, r = ``w.x[0]`` ≥ 0, of a body of revolution) use the
same forms with the measure of the revolved body, dV = 2πr dr dz and dΓ = 2πr ds (the weak form
of (1/r)∂_r(r k ∂_r T) + ∂_z(k ∂_z T) + s = 0; Carslaw & Jaeger, *Conduction of Heat in
Solids*, 2nd ed. (1959), ch. 1): :func:`revolved` multiplies a form's integrand by 2π ``w.x[0]``,
and :data:`AXISYMMETRIC` holds every form of this module so weighted.  One wrapper rather than an
axisymmetric copy of each form: the physics is stated once and the weight once.
"""

from __future__ import annotations

import functools
import math
from types import SimpleNamespace

from skfem import BilinearForm, Functional, LinearForm
from skfem.helpers import dot, grad, mul

#: Stefan–Boltzmann constant σ [W/(m² K⁴)], CODATA 2018 (exact in the 2019 SI).
SIGMA_SB = 5.670374419e-8


# ---------------------------------------------------------------------- conduction
@BilinearForm
def conduction(u, v, w):
    """Stiffness of a conductivity known at the points: ∫ k ∇u·∇v [W/K]."""
    return w.k * dot(grad(u), grad(v))


@LinearForm
def conduction_residual(v, w):
    """Conduction residual ∫ k(T) ∇T·∇v [W]; ``w.k`` evaluated at ``w.T``."""
    return w.k * dot(grad(w.T), grad(v))


@BilinearForm
def conduction_jacobian(u, v, w):
    """Exact Jacobian of :func:`conduction_residual`: ∫ k ∇u·∇v + k'(T) u ∇T·∇v [W/K]."""
    return w.k * dot(grad(u), grad(v)) + w.dk * u * dot(grad(w.T), grad(v))


@BilinearForm
def conduction_tensor(u, v, w):
    """Stiffness of a conductivity tensor known at the points: ∫ (K ∇u)·∇v [W/K]
    (anisotropic Fourier law q = −K∇T; Carslaw & Jaeger (1959) §1.17)."""
    return dot(mul(w.K, grad(u)), grad(v))


@LinearForm
def conduction_tensor_residual(v, w):
    """Anisotropic conduction residual ∫ (K(T) ∇T)·∇v [W]; ``w.K`` evaluated at ``w.T``."""
    return dot(mul(w.K, grad(w.T)), grad(v))


@BilinearForm
def conduction_tensor_jacobian(u, v, w):
    """Exact Jacobian of :func:`conduction_tensor_residual` [W/K]:
    ∫ (K ∇u)·∇v + u (K'(T) ∇T)·∇v, K' = dK/dT = R diag(k_i') Rᵀ."""
    return dot(mul(w.K, grad(u)), grad(v)) + u * dot(mul(w.dK, grad(w.T)), grad(v))


# ---------------------------------------------------------------------- interface
@LinearForm
def interface_residual(v_a, v_b, w):
    """Interface residual ∫_Γ h(T̄, p)(T_a − T_b)(v_a − v_b) dΓ [W] on ``fa @ fb``."""
    return w.conductance * (w.T_a - w.T_b) * (v_a - v_b)


@BilinearForm
def interface_jacobian(u_a, u_b, v_a, v_b, w):
    """Exact Jacobian of :func:`interface_residual` [W/K]:
    ∫_Γ [h (u_a − u_b) + h'(T̄) ½(u_a + u_b)(T_a − T_b)] (v_a − v_b) dΓ."""
    jump = w.T_a - w.T_b
    return (w.conductance * (u_a - u_b)
            + w.dconductance * 0.5 * (u_a + u_b) * jump) * (v_a - v_b)


# ---------------------------------------------------------------------- boundaries
@LinearForm
def convection_residual(v, w):
    """Convective loss ∫ h_f (T − T∞) v dΓ [W] (Newton's law of cooling)."""
    return w.film * (w.T - w.T_inf) * v


@BilinearForm
def convection_jacobian(u, v, w):
    """Jacobian of :func:`convection_residual`: ∫ h_f u v dΓ [W/K]."""
    return w.film * u * v


@LinearForm
def radiation_residual(v, w):
    """Grey radiation loss ∫ εσ(T⁴ − T∞⁴) v dΓ [W] (Stefan–Boltzmann)."""
    return w.emissivity * SIGMA_SB * (w.T**4 - w.T_inf**4) * v


@BilinearForm
def radiation_jacobian(u, v, w):
    """Jacobian of :func:`radiation_residual`: ∫ 4εσT³ u v dΓ [W/K]."""
    return 4.0 * w.emissivity * SIGMA_SB * w.T**3 * u * v


@LinearForm
def flux_load(v, w):
    """Prescribed heat flux into the body ∫ q v dΓ [W] (enters the residual with − sign)."""
    return w.flux * v


# ---------------------------------------------------------------------- volume
@LinearForm
def source_load(v, w):
    """Volumetric source ∫ s v dΩ [W] (enters the residual with − sign)."""
    return w.density * v


@BilinearForm
def mass(u, v, w):
    """Heat capacity (consistent mass) ∫ ρc_p u v dΩ [J/K]: the transient term is M dT/dt."""
    return w.capacity * u * v


@LinearForm
def stored_heat(v, w):
    """Stored heat ∫ H(T) v dΩ [J]; its Jacobian is :func:`mass` with ρc_p at T."""
    return w.enthalpy * v


# ---------------------------------------------------------------------- functionals
@Functional
def measure(w):
    """Volume of a cell basis [m³] (area in 2D), or area of a facet basis [m²]."""
    return 1.0 + 0.0 * w.x[0]


@Functional
def integral(w):
    """∫ T [K m³] over a cell basis (∫ T dΓ over a facet basis); mean = integral / measure."""
    return w.T


@Functional
def interface_heat(w):
    """Heat from side a to side b ∫_Γ h(T̄, p)(T_a − T_b) dΓ [W]."""
    return w.conductance * (w.T_a - w.T_b)


@Functional
def interface_conductance(w):
    """∫_Γ h(T̄, p) dΓ [W/K]; the mean conductance is this over the interface area."""
    return w.conductance + 0.0 * w.x[0]


@Functional
def contact_force(w):
    """Clamping force carried by an interface ∫_Γ p dΓ [N] (N/m in 2D)."""
    return w.pressure + 0.0 * w.x[0]


@Functional
def conductance_pressure(w):
    """∫_Γ h(T̄, p) p dΓ [W/K · Pa]; over :func:`interface_conductance` it is the
    conductance-weighted mean pressure [Pa]."""
    return w.conductance * w.pressure


@Functional
def interface_jump(w):
    """∫_Γ (T_a − T_b) dΓ [K m²]; the mean jump is this over the interface area."""
    return w.T_a - w.T_b


@Functional
def convection_heat(w):
    """Heat leaving through a convective boundary ∫ h_f (T − T∞) dΓ [W]."""
    return w.film * (w.T - w.T_inf)


@Functional
def radiation_heat(w):
    """Heat leaving through a radiating boundary ∫ εσ(T⁴ − T∞⁴) dΓ [W]."""
    return w.emissivity * SIGMA_SB * (w.T**4 - w.T_inf**4)


@Functional
def flux_heat(w):
    """Heat entering through a prescribed-flux boundary ∫ q dΓ [W]."""
    return w.flux + 0.0 * w.x[0]


# ---------------------------------------------------------------------- axisymmetric
def revolved(form):
    """``form`` over the body of revolution of an r–z section: its integrand times 2πr,
    r = ``w.x[0]`` [m], so W stays W (total over the full turn), m² becomes m³ and m becomes m².

    The wrapper keeps the form's signature (scikit-fem counts its arguments) and type."""
    inner = form.form

    @functools.wraps(inner)
    def weighted(*args):
        return (2.0 * math.pi) * args[-1].x[0] * inner(*args)

    return type(form)(weighted)


#: Every form of this module weighted by 2πr (:func:`revolved`), by the same names.
AXISYMMETRIC = SimpleNamespace(**{
    name: revolved(obj) for name, obj in list(globals().items())
    if isinstance(obj, (BilinearForm, LinearForm, Functional))})
