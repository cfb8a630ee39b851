"""The ``femtbr`` command line: ``run``, ``check``, ``sweep``, ``models``, ``schema``.

``main(argv) -> int`` never raises for bad input: a :class:`~femtbr.errors.FemtbrError` prints
its message (no traceback) to stderr and returns its exit code (2 bad input, 3 no convergence);
anything else is an internal error (exit 1, traceback shown).  Progress goes to stderr, the
result table to stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Sequence
from typing import Any, TextIO

from femtbr import __version__
from femtbr.errors import CaseError, FemtbrError

log = logging.getLogger("femtbr")


# ----------------------------------------------------------------------------- table
def format_table(summary: dict[str, Any]) -> str:
    """The end-of-run table: T_max per region, junction-to-ambient resistance, breakdown."""
    transient = summary.get("transient")
    count = (
        f"time steps={transient.get('steps')} (rejected {transient.get('rejected_steps')}), "
        f"t_end={_num(transient.get('t_end'), '.4g')} s"
        if transient
        else f"iterations={summary.get('iterations')}"
    )
    lines = [
        f"case {summary.get('name', '?')}: converged={summary.get('converged')} {count} "
        f"energy balance={_num(summary.get('energy_balance'), '.1e')}",
        "",
    ]
    lines.append(
        f"{'region':<24}{'T_max [K]':>12}{'T_max [°C]':>12}{'T_mean [K]':>12}{'heat in [W]':>12}"
    )
    for name, r in summary.get("regions", {}).items():
        tmax = r.get("T_max")
        heat = r.get("heat_input", r.get("power"))  # sources + fixed flux into its faces
        lines.append(
            f"{name:<24}{_num(tmax, '.3f'):>12}{_num(tmax and tmax - 273.15, '.2f'):>12}"
            f"{_num(r.get('T_mean'), '.3f'):>12}{_num(heat, '.4g'):>12}"
        )
    probes = summary.get("probes") or {}
    if probes:
        lines.append("")
        for name, T in probes.items():
            lines.append(f"probe {name:<18}{_num(T, '.3f'):>12} K")
    interfaces = summary.get("interfaces") or {}
    if interfaces:
        lines += [
            "",
            f"{'interface':<24}{'model':<14}{'h_mean [W/m²K]':>16}{'R [m²K/W]':>12}"
            f"  Kapitza length k·R per side",
        ]
        for name, i in interfaces.items():
            lk = ", ".join(f"{r} {_length(v)}" for r, v in (i.get("kapitza_length") or {}).items())
            lines.append(
                f"{name:<24}{str(i.get('model', '')):<14}{_num(i.get('h_mean'), '.4g'):>16}"
                f"{_num(i.get('resistance'), '.3g'):>12}  {lk}"
            )
    b = summary.get("breakdown") or {}
    if b.get("junction_to_ambient") is None and b.get("note"):
        lines += ["", f"resistance breakdown: {b['note']}"]
    if b.get("junction_to_ambient") is not None:
        lines += [
            "",
            f"junction-to-ambient resistance ({b.get('junction')} -> "
            f"{_num(b.get('T_ambient'), '.2f')} K, {_num(b.get('power'), '.4g')} W): "
            f"{_num(b['junction_to_ambient'], '.5g')} K/W",
            "",
        ]
        lines.append(f"{'part':<36}{'R [K/W]':>12}{'share':>9}  note")
        total = b["junction_to_ambient"]
        for item in b.get("items", []):
            share = item["R"] / total if total else float("nan")
            lines.append(
                f"{item['name']:<36}{_num(item['R'], '.4g'):>12}{share:>9.1%}  "
                f"{item.get('note', '')}"
            )
    return "\n".join(lines) + "\n"


def _length(v: Any) -> str:
    """A length [m] with an engineering prefix (nm, um, mm, m)."""
    if v is None:
        return "-"
    v = float(v)
    for scale, unit in ((1e-9, "nm"), (1e-6, "um"), (1e-3, "mm")):
        if abs(v) < 1000 * scale:
            return f"{v / scale:.3g} {unit}"
    return f"{v:.3g} m"


def _num(v: Any, fmt: str) -> str:
    if v is None:
        return "-"
    try:
        return format(float(v), fmt)
    except (TypeError, ValueError):
        return str(v)


# ----------------------------------------------------------------------------- verbs
def _cmd_run(args: argparse.Namespace) -> int:
    from femtbr import pipeline
    from femtbr.cli_progress import terminal_progress

    progress = None if args.quiet else terminal_progress(sys.stderr)
    try:
        return _run_with(args, pipeline, progress)
    finally:
        if progress is not None:
            progress.close()


def _run_with(args: argparse.Namespace, pipeline: Any, progress: Any) -> int:
    if progress:
        progress("reading and checking the case", {"file": args.case})
    loaded = pipeline.load(args.case, args.set or (), progress=progress)
    if loaded.case.sweep is not None:
        raise CaseError(
            [
                (
                    "sweep",
                    f"this case defines a parametric study: run it with `femtbr sweep "
                    f"{args.case}` (`femtbr run` solves one case; remove [sweep] to run the "
                    "base case alone)",
                )
            ]
        )
    wanted = None
    if getattr(args, "sensitivity", None) is not None:  # --sensitivity [OUTPUT,...]
        wanted = [o for o in args.sensitivity.split(",") if o] or (
            loaded.case.sensitivity.outputs if loaded.case.sensitivity else ["T_junction"])
    result = pipeline.run(loaded, out_dir=args.out, progress=progress, sensitivity=wanted)
    sys.stdout.write(format_table(result.summary))
    if result.summary.get("sensitivities"):
        from femtbr.sensitivity import format_table as sensitivity_table

        sys.stdout.write(sensitivity_table(result.summary["sensitivities"]))
    sys.stdout.write(f"\nwrote {', '.join(p.name for p in result.files)} to {result.out_dir}\n")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from femtbr import pipeline

    case = pipeline.load(args.case, args.set or ()).case
    sys.stdout.write(
        f"{args.case}: ok (case {case.name!r}: {len(case.materials)} regions, "
        f"{len(case.interfaces)} interfaces, {len(case.boundaries)} boundary conditions, "
        f"{len(case.sources)} sources)\n"
    )
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from femtbr import models

    if not args.name:
        names = models.available()
        width = max((len(n) for n in names), default=0) + 2
        for name in names:
            try:
                summary = models.describe(name).get("summary", "")
            except FemtbrError as exc:  # a broken model must not hide the others
                summary = f"(unavailable: {exc})"
            if isinstance(summary, list):
                summary = " ".join(summary)
            sys.stdout.write(f"{name:<{width}}{summary}\n")
        return 0
    d = models.describe(args.name)
    if args.json:
        sys.stdout.write(json.dumps(d, indent=2, default=str) + "\n")
        return 0
    out = [f"{d.get('name', args.name)}: {d.get('summary', '')}", ""]
    params = d.get("parameters", {})
    if params:
        out.append(f"{'parameter':<20}{'unit':<14}{'default':<14}{'range':<22}meaning")
        for p, info in params.items():
            lo, hi = (list(info.get("range") or [None, None]) + [None, None])[:2]
            if "allowed" in info:  # choices are spelled out in the meaning column
                rng = "" if info.get("choices") else info["allowed"]
            else:  # a plugin model with its own describe()
                rng = "" if lo is None and hi is None else f"[{_r(lo)}, {_r(hi)}]"
            default = "required" if info.get("required") else _brief(info.get("default"))
            out.append(
                f"{p:<20}{info.get('unit', ''):<14}{default:<14}{rng:<22}{info.get('doc', '')}"
            )
    if d.get("validity"):
        out += ["", f"validity: {d['validity']}"]
    refs = d.get("references") or []
    if refs:
        out += ["", "references:"] + [f"  - {r}" for r in refs]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def _brief(v: Any) -> str:
    text = f"{v:.4g}" if isinstance(v, float) else str(v)
    return text if len(text) < 60 else text[:57] + "..."


def _r(v: Any) -> str:
    return "" if v is None else f"{v:g}"


def _cmd_schema(args: argparse.Namespace) -> int:
    from femtbr.case.jsonschema import schema_text, write_json_schema

    if args.write:
        write_json_schema(args.write)
        sys.stderr.write(f"wrote {args.write}\n")
    else:
        sys.stdout.write(schema_text())
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from femtbr.sweep import cli as sweep_cli

    return int(sweep_cli.run_cli(args, stderr=sys.stderr))


# ----------------------------------------------------------------------------- parser
def _compact_warnings(stream: TextIO) -> None:
    """Show each distinct warning once, as ``warning: <Category>: <message>`` (no source line)."""
    import warnings

    seen: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        text = f"warning: {category.__name__}: {message}"
        if text not in seen:
            seen.add(text)
            stream.write(text + "\n")

    warnings.showwarning = show
    warnings.simplefilter("always")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``femtbr``."""
    p = argparse.ArgumentParser(
        prog="femtbr",
        description="Finite-element heat conduction with interface (contact, Kapitza) "
        "conductance models.",
    )
    p.add_argument("--version", action="version", version=f"femtbr {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    r = sub.add_parser("run", help="solve a case and write its outputs")
    r.add_argument("case", help="case file (TOML)")
    r.add_argument("--out", default=None, help="output directory (default results/<name>/)")
    r.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a case key, e.g. --set interfaces.die_tim1.pressure='1 MPa'",
    )
    r.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    r.add_argument("--sensitivity", nargs="?", const="", metavar="OUTPUT,...",
                   help="adjoint sensitivities of outputs (default T_junction, or "
                   "[sensitivity] outputs) to every scalar input: ranked table, tornado.png")
    r.set_defaults(func=_cmd_run)

    c = sub.add_parser("check", help="validate a case file (exit 0, or 2 listing every error)")
    c.add_argument("case", help="case file (TOML)")
    c.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a case key")
    c.set_defaults(func=_cmd_check)

    s = sub.add_parser("sweep", help="run the parametric study of a case's [sweep] table")
    try:
        from femtbr.sweep import cli as sweep_cli

        sweep_cli.add_arguments(s)
    except ImportError:  # pragma: no cover - sweep package incomplete
        s.add_argument("case")
    s.set_defaults(func=_cmd_sweep)

    m = sub.add_parser("models", help="list conductance models, or describe one")
    m.add_argument("name", nargs="?", help="model name")
    m.add_argument("--json", action="store_true", help="machine-readable description")
    m.set_defaults(func=_cmd_models)

    sc = sub.add_parser("schema", help="print the JSON Schema of case files")
    sc.add_argument("--write", metavar="PATH", help="write it to PATH instead")
    sc.set_defaults(func=_cmd_schema)

    from femtbr.analysis_cli import add_commands

    add_commands(sub)  # fit, uncertainty
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 internal, 2 bad input, 3 no
    convergence)."""
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # argparse: usage error (2) or --help/--version (0)
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
    )
    import warnings

    try:
        with warnings.catch_warnings():  # restored on return: main() may run inside a library
            _compact_warnings(sys.stderr)
            return int(args.func(args))
    except CaseError as exc:
        n = len(exc.problems)
        where = getattr(args, "case", "")
        sys.stderr.write(f"error: {where}: {n} problem{'s' if n != 1 else ''}:\n")
        for key, msg in exc.problems:
            sys.stderr.write(f"  {key}: {msg}\n" if key else f"  {msg}\n")
        return exc.exit_code
    except FemtbrError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except BrokenPipeError:  # e.g. `femtbr run ... | head`: the work is done, stdout closed
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except Exception:  # an internal error: show where
        traceback.print_exc(file=sys.stderr)
        sys.stderr.write("femtbr: internal error (please report it with the traceback above)\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
