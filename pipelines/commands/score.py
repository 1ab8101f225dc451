"""``seizure score REF HYP``: NEDC and SzCORE scoring of hypothesis annotations against references."""

import json
import sys
from pathlib import Path


def _metrics(values: list[str]) -> list[str]:
    from seizure.scoring import DEFAULT_METRICS

    names = [m.strip() for v in values or [] for m in v.split(",") if m.strip()]
    if not names or names == ["all"]:
        return list(DEFAULT_METRICS)
    return names


def run(args) -> int:
    from seizure_app.score import format_scores, score_files

    doc = score_files(
        args.ref,
        args.hyp,
        _metrics(args.metrics),
        missing_hyp_as_empty=args.missing_hyp_as_empty,
        epoch_s=args.epoch_s,
        tolerance=args.duration_tolerance,
    )
    sys.stdout.write(format_scores(doc, args.epoch_s))
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n")
        print(f"scores written to {out}")
    return 0


def register(sub) -> None:
    from seizure.scoring import DEFAULT_METRICS, EPOCH_S, METRICS, PAIR_DURATION_TOLERANCE_S

    sc = sub.add_parser(
        "score",
        help="score hypothesis annotations against references (NEDC OVLP/TAES/EPOCH/DPALIGN/IRA, SzCORE)",
        description=(
            "Score hypothesis annotation files against reference files. REF and HYP are each a directory "
            "(searched recursively for *.csv_bi and BIDS *_events.tsv, paired by file name) or a list file "
            "with one path per line (paired by line, as nedc_eeg_eval does). FA/24h is over the duration of "
            "all files, seizure-free ones included."
        ),
    )
    sc.add_argument("ref", help="reference directory or list file")
    sc.add_argument("hyp", help="hypothesis directory or list file")
    sc.add_argument(
        "--metrics",
        nargs="+",
        metavar="NAME",
        help=f"metrics to compute, space or comma separated, from {', '.join(METRICS)} "
        f"(default: {', '.join(DEFAULT_METRICS)})",
    )
    sc.add_argument("--json", help="write the scores as JSON here")
    sc.add_argument(
        "--missing-hyp-as-empty",
        action="store_true",
        help="score a reference without hypothesis file as 'no detections' instead of failing",
    )
    sc.add_argument(
        "--epoch-s",
        type=float,
        default=EPOCH_S,
        help=f"epoch length of EPOCH and IRA scoring, seconds (default {EPOCH_S})",
    )
    sc.add_argument(
        "--duration-tolerance",
        type=float,
        default=PAIR_DURATION_TOLERANCE_S,
        help=f"largest accepted duration difference between paired files, seconds "
        f"(default {PAIR_DURATION_TOLERANCE_S})",
    )
    sc.set_defaults(func=run)
