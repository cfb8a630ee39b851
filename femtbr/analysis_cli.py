"""``femtbr fit`` and ``femtbr uncertainty``: the command-line verbs of issue 16.

``femtbr fit CASE`` estimates the ``[fit]`` parameters and writes ``fit.json``;
``femtbr uncertainty CASE`` propagates ``[uncertainty]`` and writes ``uncertainty.json`` (and
histograms).  Both print a table; exit codes as ``femtbr run``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _fit(args: argparse.Namespace) -> int:
    from femtbr.export.atomic import atomic_path
    from femtbr.pipeline import load
    from femtbr.pipeline.fit import fit
    from femtbr.pipeline.report import fit_section

    loaded = load(args.case, args.set or ())
    section = fit_section(fit(loaded))
    out = Path(args.out) if args.out else Path("results") / loaded.case.name
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "fit.json") as tmp:
        Path(tmp).write_text(json.dumps(section, indent=2))
    sys.stdout.write(format_fit(section))
    sys.stdout.write(f"\nwrote fit.json to {out}\n")
    return 0


def format_fit(section: dict[str, Any]) -> str:
    """The fit section as a table."""
    lines = [f"fit ({section['gradient']}; {section['evaluations']} solves): "
             f"chi2 = {section['chi2']:.4g} with {section['dof']} degrees of freedom",
             f"{'parameter':40s} {'estimate':>12s} {'std error':>12s} unit"]
    for key, p in section["parameters"].items():
        se = p["standard_error"]
        lines.append(f"{key:40s} {p['estimate']:12.5g} "
                     f"{(f'{se:12.3g}' if se is not None else 'undetermined'):>12s} {p['unit']}")
    lines.append(f"\n{'measurement':24s} {'measured':>10s} {'fitted':>10s} {'(f-y)/sigma':>12s}")
    for name, r in section["residuals"].items():
        lines.append(f"{name:24s} {r['measured']:10.4f} {r['fitted']:10.4f} "
                     f"{r['normalised']:12.3f}")
    if not section["identifiable"]:
        lines.append("\nNOT IDENTIFIABLE from these measurements (combinations of ln θ the data "
                     "do not determine):")
        for combo in section["non_identifiable"]:
            lines.append("  " + " + ".join(f"{v:.3g}·ln({k})" for k, v in combo.items()))
    lines.append(f"condition number of the weighted Jacobian: {section['condition']}")
    return "\n".join(lines) + "\n"


def _uncertainty(args: argparse.Namespace) -> int:
    from femtbr.sweep.uncertainty import uncertainty

    res = uncertainty(args.case, args.set or (), out_dir=args.out, method=args.method,
                      workers=args.workers, scheduler=args.scheduler, resume=args.resume)
    sys.stdout.write(format_uncertainty(res.section))
    if res.files:
        sys.stdout.write(f"\nwrote {', '.join(p.name for p in res.files)} to "
                         f"{res.files[0].parent}\n")
    return 0


def format_uncertainty(section: dict[str, Any]) -> str:
    """Mean, std, percentiles and variance shares per method and output."""
    lines = []
    for method in ("first_order", "sampling"):
        for name, s in (section.get(method) or {}).items():
            lines.append(f"\n{method} {name} [{s['unit']}]: mean {s['mean']:.6g}, std "
                         f"{s['std']:.4g}, P5 {s['P5']:.6g}, P50 {s['P50']:.6g}, "
                         f"P95 {s['P95']:.6g}")
            for key, share in sorted(s["variance_share"].items(), key=lambda kv: -kv[1]):
                lines.append(f"  {key:44s} {100 * share:6.1f} % of the variance")
    return "\n".join(lines) + "\n"


def add_commands(sub: Any) -> None:
    """Add the ``fit`` and ``uncertainty`` verbs to the CLI's subparsers."""
    f = sub.add_parser("fit", help="estimate [fit] parameters from measured temperatures")
    f.add_argument("case", help="case file (TOML) with a [fit] table")
    f.add_argument("--out", default=None, help="output directory (default results/<name>/)")
    f.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a case key")
    f.set_defaults(func=_fit)
    u = sub.add_parser("uncertainty", help="propagate the [uncertainty] input distributions")
    u.add_argument("case", help="case file (TOML) with an [uncertainty] table")
    u.add_argument("--out", default=None,
                   help="output directory (default results/<name>/uncertainty)")
    u.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a case key")
    u.add_argument("--method", choices=("first_order", "sampling", "both"), default=None,
                   help="override [uncertainty] method")
    u.add_argument("--workers", type=int, default=None, help="local worker processes")
    u.add_argument("--scheduler", default=None, help="Dask scheduler address")
    u.add_argument("--resume", action="store_true", help="continue an interrupted sampling")
    u.set_defaults(func=_uncertainty)
