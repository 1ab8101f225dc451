"""``seizure score REF HYP``: NEDC scoring of hypothesis csv_bi files against references."""

import json
from pathlib import Path

from pipelines.commands.common import pct


def run(args) -> int:
    from pipelines.score import score_dirs

    doc = score_dirs(args.ref, args.hyp, missing_hyp_as_empty=args.missing_hyp_as_empty)
    print(f"{doc['n_files']} files, {doc['total_duration_s'] / 3600:.2f} h")
    for metric, rows in doc["metrics"].items():
        s = rows["seiz"]
        fa = "n/a" if s["fa_per_24h"] is None else f"{s['fa_per_24h']:.2f}"
        print(f"{metric.upper():<6} SEIZ: targets {s['targets']:.0f}  hits {s['hits']:.2f}  misses {s['misses']:.2f}  "
              f"false alarms {s['false_alarms']:.2f}  sensitivity {pct(s['sensitivity'])}  FA/24h {fa}")
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1))
    return 0


def register(sub) -> None:
    sc = sub.add_parser("score", help="score hypothesis csv_bi files against references (NEDC OVLP/TAES/EPOCH)")
    sc.add_argument("ref", help="reference directory (searched recursively for *.csv_bi)")
    sc.add_argument("hyp", help="hypothesis directory (paired with the references by file name)")
    sc.add_argument("--json", help="write the scores as JSON here")
    sc.add_argument("--missing-hyp-as-empty", action="store_true",
                    help="score a reference without hypothesis file as 'no detections' instead of failing")
    sc.set_defaults(func=run)
