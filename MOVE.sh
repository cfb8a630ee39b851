#!/usr/bin/env bash
# fem/ into rooms: git mv + import rewrites (run once, from the repository root, on a clean tree).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
F=femtbr/fem

declare -A ROOM=(
  [values]="problem conductivity_tensor pressure solution transient_problem power_profiles"
  [linalg]="amg krylov linear linear_cache linear_fallback solver_state threads"
  [fast]="reference kernels sparse conduction"
  [assembly]="discretization discretization_cache split topology convert assemble dirichlet connectivity"
  [post]="post probe"
  [transient]="transient transient_system timeschemes"
)
declare -A DOC=(
  [values]="The values a solve takes and gives: problem ingredients (boundary conditions, sources, interface specs, conductivity tensors, pressure fields, transient problems, power waveforms) and the solution."
  [linalg]="Linear algebra: smoothed-aggregation AMG, Krylov methods, the solver policy with its fallbacks and kept state, thread-parallel sparse products."
  [fast]="Fast kernels: reference-element tables, vectorised geometry and element matrices, the k(T) conduction kernel, sparse-pattern helpers (each proven equal to skfem.asm of its form in the tests)."
  [assembly]="From mesh to algebraic system: validation, node splitting, DOF numbering, the discretization and its cache, Dirichlet elimination, residual and Jacobian assembly."
  [post]="Derived quantities of a converged temperature field: heat flows, region and interface figures, probes."
  [transient]="Time integration: the implicit integrator, its schemes and the transient system."
)

# a room's module list may hold a name whose file another branch removed: skip it
for room in "${!ROOM[@]}"; do
  mkdir -p "$F/$room"
  printf '"""%s"""\n' "${DOC[$room]}" | fold -s -w 99 | sed 's/ *$//' > "$F/$room/__init__.py"
  git add "$F/$room/__init__.py"
  for m in ${ROOM[$room]}; do
    if [ -f "$F/$m.py" ]; then git mv "$F/$m.py" "$F/$room/$m.py"; fi
  done
done

FILES=$(git ls-files '*.py' '*.md' '*.rst' '*.toml' '*.txt' | grep -v '^MOVE.sh$')
for room in "${!ROOM[@]}"; do
  alt=$(echo ${ROOM[$room]} | tr ' ' '|')
  # dotted module paths (imports, monkeypatch targets, :mod: references) and file paths
  sed -i -E \
    -e "s/\\bfemtbr\\.fem\\.(${alt})\\b/femtbr.fem.${room}.\\1/g" \
    -e "s#\\bfemtbr/fem/(${alt})\\.py\\b#femtbr/fem/${room}/\\1.py#g" \
    $FILES
done

# "from femtbr.fem import a, b as c" naming moved modules: one import per room
python3 - $FILES <<'PY'
import re
import sys

rooms = {
    "values": "problem conductivity_tensor pressure solution transient_problem power_profiles",
    "linalg": "amg krylov linear linear_cache linear_fallback solver_state threads",
    "fast": "reference kernels sparse conduction",
    "assembly": "discretization discretization_cache split topology convert assemble dirichlet "
                "connectivity",
    "post": "post probe",
    "transient": "transient transient_system timeschemes",
}
where = {m: r for r, ms in rooms.items() for m in ms.split()}
pat = re.compile(r"^([ \t]*)from femtbr\.fem import (\([^)]*\)|[^\n(]*)$", re.M)


def fix(m: re.Match) -> str:
    indent, body = m.group(1), m.group(2)
    names = [n.strip() for n in body.strip("()").replace("\n", " ").split(",") if n.strip()]
    stay, moved = [], {}
    for n in names:
        mod = n.split(" as ")[0].strip()
        if mod in where:
            moved.setdefault(where[mod], []).append(n)
        else:
            stay.append(n)
    if not moved:
        return m.group(0)
    lines = []
    if stay:
        lines.append(f"{indent}from femtbr.fem import {', '.join(stay)}")
    for r in sorted(moved):
        lines.append(f"{indent}from femtbr.fem.{r} import {', '.join(moved[r])}")
    return "\n".join(lines)


for path in sys.argv[1:]:
    if not path.endswith(".py"):
        continue
    text = open(path, encoding="utf-8").read()
    new = pat.sub(fix, text)
    if new != text:
        open(path, "w", encoding="utf-8").write(new)
PY

# import order / line length after the rewrite
RUFF=${RUFF:-$( [ -x /work/main/.venv/bin/ruff ] && echo /work/main/.venv/bin/ruff || echo ruff )}
"$RUFF" check --fix -q femtbr tests benchmarks || true
