"""``seizure prepare``: montage, filter and cache every recording of a corpus (resumable)."""

from __future__ import annotations

import sys
from pathlib import Path

from seizure_app.commands.common import add_config_args, config_from_args, progress_bar


def run(args) -> int:
    from seizure.cache import steps_dir
    from seizure_app.prepare import EXCLUSIONS_NAME, prepare

    cfg = config_from_args(args, "train.yaml")
    if args.data:
        cfg.data.root = args.data
    if args.jobs:
        cfg.data.jobs = args.jobs
    if args.cache_dir:
        cfg.data.cache_dir = args.cache_dir
    by_split, excl = prepare(cfg, progress=progress_bar("prepare"), exclusions_path=args.exclusions,
                             layout=args.layout)  # fmt: skip
    for e in excl:  # one line per excluded recording: its file name and the reason
        print(f"excluded {Path(e['recording']).name}: {e['reason']}", file=sys.stderr)
    n = 0
    for split, entries in by_split.items():
        n += len(entries)
        print(f"{split:<6} {len(entries)} recordings, {sum(e.duration for e in entries) / 3600:.2f} h")
    report = args.exclusions or steps_dir(cfg.data.cache_dir, cfg.data.preprocessing) / EXCLUSIONS_NAME
    print(f"prepared {n}, excluded {len(excl)} (report: {report})")
    return 0 if n else 1


def register(sub) -> None:
    c = sub.add_parser("prepare", help="montage, filter and cache every recording of a corpus (resumable)")
    add_config_args(c)
    c.add_argument(
        "--data", help="corpus folder (TUSZ v2/v1 root holding edf/, BIDS root, or a folder of EDF + csv_bi)"
    )
    c.add_argument("--jobs", type=int, default=0, help="worker processes (default: data.jobs)")
    from seizure.io.corpus import LAYOUTS

    c.add_argument("--layout", default="auto", choices=["auto", *LAYOUTS],
                   help="corpus layout (default: detected)")  # fmt: skip
    c.add_argument("--cache-dir", help="cache folder (default: data.cache_dir)")
    c.add_argument("--exclusions", help="also write the exclusion report here (.tsv or .json)")
    c.set_defaults(func=run)
