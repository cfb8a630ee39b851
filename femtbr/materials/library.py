"""Material library: the bundled TOML data, look-up by name or alias, user materials from dicts.

Each ``data/*.toml`` file describes one material with the keys accepted by :func:`from_dict`;
names and aliases are matched case-insensitively, ignoring spaces, ``-`` and ``_``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from typing import Any

from femtbr.errors import MaterialError
from femtbr.materials.anisotropy import is_anisotropic, parse_axes, parse_k, parse_rotation
from femtbr.materials.material import Material
from femtbr.materials.table import PropertyTable
from femtbr.params import Param, specs

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: the scalar properties (and ``phase``) as :class:`Material` declares them: unit, range, meaning
_SCALARS: dict[str, Param] = {k: v for k, v in specs(Material).items() if k != "cp"}
#: a conductivity or specific heat given as one number (else a table, or principal values)
_CONSTANT = {
    "k": Param("k", unit="W/(m K)", positive=True, doc="thermal conductivity (constant)"),
    "cp": specs(Material)["cp"],
}
#: every property key with a unit, for listings and unit conversion (``"conductivity"`` is an
#: alias of ``"k"``)
PROPERTIES: dict[str, Param] = {
    **_SCALARS,
    "k": Param("k", unit="W/(m K)", kind=("float", "table", "list"), positive=True,
               doc="conductivity: a number, a table {T, k}, or principal values [k_x, k_y(, k_z)] "
               "/ {in_plane, through_plane} (femtbr.materials.anisotropy)"),
    "cp": Param("cp", unit="J/(kg K)", kind=("float", "table"), positive=True,
                doc="specific heat: a number or a table {T, cp}"),
}
_TABLES = {"conductivity": "k", "k": "k", "cp": "cp"}
_OTHER = {"name", "sources", "aliases", "description", "use", "axes", "rotation"}
_KEY_ALIASES = {"rho": "density", "theta_D": "debye_temperature", "n": "atomic_density"}
KEYS = tuple(sorted(set(_SCALARS) | set(_TABLES) | _OTHER))


def properties() -> dict[str, dict[str, Any]]:
    """Property name -> :meth:`femtbr.params.Param.describe` (unit, range, meaning) of every
    material property with a unit or a range."""
    return {key: spec.describe() for key, spec in PROPERTIES.items()}


def property_units() -> dict[str, str]:
    """Property key -> its SI unit (``"conductivity"`` included, as ``"k"``): how the case layer
    converts ``"2330 kg/m^3"``."""
    units = {key: spec.unit for key, spec in PROPERTIES.items() if "float" in spec.kinds}
    return {**units, "conductivity": units["k"]}


def normalize(name: str) -> str:
    """Canonical look-up key: lower case without spaces, ``-`` or ``_``."""
    return "".join(ch for ch in name.lower() if ch not in " -_")


def _err(name: str, key: str, msg: str) -> MaterialError:
    return MaterialError(f"material {name!r}: {key}: {msg}")


def _material_error(where: str, message: str) -> MaterialError:
    return MaterialError(f"{where}: {message}")


def _checked(name: str, key: str, spec: Param, value: Any) -> Any:
    """``value`` checked by ``spec``, a :class:`MaterialError` naming material and key."""
    return spec.check(value, f"material {name!r}: {key}", _material_error)


def short(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters (messages never echo a whole table)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...)"


def _table(name: str, key: str, value: Any, column: str) -> PropertyTable:
    """A number (constant) or ``{T = [...], <column> = [...], interpolation = "linear"}``.

    ``interpolation`` is ``"linear"`` (default) or ``"power"`` (:class:`PropertyTable`).
    """
    label = f"{name}.{key}"
    if isinstance(value, Mapping):
        extra = set(value) - {"T", column, "interpolation"}
        if extra or "T" not in value or column not in value:
            want = f"the keys 'T' and {column!r} (and optionally 'interpolation')"
            raise _err(name, key, f"table needs {want}, got {short(sorted(value))}")
        try:
            return PropertyTable(tuple(value["T"]), tuple(value[column]), label,
                                 value.get("interpolation", "linear"))
        except (TypeError, ValueError) as exc:
            raise _err(name, key, f"bad table: {str(exc)[:160]}") from None
    if value is None:
        raise _err(name, key, "must be a number or a table, got None")
    v = _checked(name, key, _CONSTANT[column], value)
    return PropertyTable((300.0,), (v,), label)


def from_dict(name: str, props: Mapping[str, Any]) -> Material:
    """Build a :class:`Material` from a mapping of properties (SI units).

    Parameters
    ----------
    name
        Name of the material (used in messages and as its canonical name).
    props
        Keys: ``use`` (start from a library material and override), ``phase``, ``density``
        (alias ``rho``), ``debye_temperature`` (alias ``theta_D``), ``atomic_density`` [1/m³]
        (alias ``n``),
        ``cp`` (number or ``{T=[...], cp=[...]}``), ``conductivity`` or ``k`` (number or
        ``{T=[...], k=[...]}``; a table may add ``interpolation = "linear"`` (default) or
        ``"power"``; or a tensor: principal values ``[k_x, k_y(, k_z)]`` or
        ``{in_plane = ..., through_plane = ...}``, each a number or a table, oriented by
        ``axes`` or ``rotation``: :mod:`femtbr.materials.anisotropy`), ``E``, ``nu``, ``c1``,
        ``c2``, ``brinell``, ``vL``, ``vT``,
        ``gamma``, ``Pr``, ``molar_mass``, ``mfp0``, ``mfp_T0``,
        ``mfp_p0``, ``sources``, ``aliases``, ``description``.

    Raises
    ------
    MaterialError
        Unknown key or invalid value; the message names the material and the key.
    """
    if not isinstance(props, Mapping):
        raise MaterialError(f"material {name!r}: properties must be a table, got {short(props)}")
    props = {_KEY_ALIASES.get(k, k): v for k, v in props.items()}
    unknown = sorted(set(props) - set(KEYS))
    if unknown:
        raise _err(name, unknown[0], f"unknown property; known: {', '.join(KEYS)}")
    kw: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if "use" in props:
        base = get(str(props["use"]))
        skip = ("name", "aliases", "sources")
        kw = {f: getattr(base, f) for f in base.__dataclass_fields__ if f not in skip}
        sources = dict(base.sources)
    for key, value in props.items():
        if key in _SCALARS:
            kw[key] = _checked(name, key, _SCALARS[key], value)
        elif _TABLES.get(key) == "k" and is_anisotropic(value):
            kw["k_tensor"] = parse_k(name, value, lambda sub, v: _table(name, sub, v, "k"))
            kw["k_table"] = None
        elif key in _TABLES:
            col = _TABLES[key]
            table = _table(name, key, value, col)
            if col == "k":
                kw["k_table"] = table
                kw["k_tensor"] = None
            else:
                kw["cp_table"] = None if table.is_constant else table
                kw["cp"] = table.y[0] if table.is_constant else float(table(300.0)[0])
        elif key == "sources":
            if not isinstance(value, Mapping):
                raise _err(name, key, "must be a table property -> citation")
            sources.update({str(k): str(v) for k, v in value.items()})
        elif key == "aliases":
            if not isinstance(value, (list, tuple)) or not all(isinstance(a, str) for a in value):
                raise _err(name, key, "must be a list of strings")
            kw["aliases"] = tuple(value)
        elif key == "description":
            kw["description"] = str(value)
    _orient(name, props, kw)
    if kw.get("phase") == "liquid" and kw.get("vT") is not None:
        raise _err(name, "vT", "a liquid carries no transverse sound")
    return Material(name=str(props.get("name", name)), sources=sources, **kw)


def _orient(name: str, props: Mapping[str, Any], kw: dict[str, Any]) -> None:
    """Attach ``axes`` / ``rotation`` to the tensor ``k`` (they mean nothing without one)."""
    given = [key for key in ("axes", "rotation") if key in props]
    if not given:
        return
    if len(given) == 2:
        raise _err(name, "rotation", "give 'axes' or 'rotation', not both")
    tensor = kw.get("k_tensor")
    if tensor is None:
        raise _err(name, given[0], "orients principal conductivities: give k as "
                   "[k_x, k_y(, k_z)] or {in_plane = ..., through_plane = ...}")
    if given[0] == "axes":
        kw["k_tensor"] = replace(tensor, axes=parse_axes(name, props["axes"]), rotation=None)
    else:
        kw["k_tensor"] = replace(tensor, rotation=parse_rotation(name, props["rotation"]),
                                 axes=None)


@lru_cache(maxsize=1)
def _library() -> tuple[dict[str, Material], dict[str, str]]:
    """Load every bundled material once: (canonical name -> Material, normalized alias -> name)."""
    mats: dict[str, Material] = {}
    index: dict[str, str] = {}
    data = resources.files("femtbr.materials").joinpath("data")
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        raw = tomllib.loads(entry.read_text(encoding="utf-8"))
        mat = from_dict(raw.get("name", entry.name[:-5]), raw)
        mats[mat.name] = mat
        for alias in (mat.name, *mat.aliases):
            key = normalize(alias)
            if key in index and index[key] != mat.name:
                raise MaterialError(f"material alias {alias!r} used by {index[key]} and {mat.name}")
            index[key] = mat.name
    return mats, index


def available() -> list[str]:
    """Canonical names of the bundled materials, sorted."""
    return sorted(_library()[0])


def get(name: str) -> Material:
    """The bundled material called ``name`` (case-insensitive; aliases such as ``"silicon"``).

    Raises
    ------
    MaterialError
        Unknown name; the message lists the available materials.
    """
    mats, index = _library()
    if not isinstance(name, str) or normalize(name) not in index:
        raise MaterialError(f"unknown material {name!r}; available: {', '.join(sorted(mats))}")
    return mats[index[normalize(name)]]


def resolve(spec: str | Material | Mapping[str, Any], name: str = "material") -> Material:
    """A :class:`Material` from a library name, a Material, or an inline property mapping."""
    if isinstance(spec, Material):
        return spec
    if isinstance(spec, str):
        return get(spec)
    if isinstance(spec, Mapping):
        return from_dict(name, spec)
    raise MaterialError(f"{name}: expected a material name or a table of properties, got "
                        f"{short(spec)}")
