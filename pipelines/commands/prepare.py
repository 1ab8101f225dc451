"""``seizure prepare``: montage, filter and cache every recording of a corpus."""

from pipelines.commands.common import add_config_args, config_from_args, progress_bar


def run(args) -> int:
    from pipelines.prepare import prepare

    cfg = config_from_args(args, "train.yaml")
    if args.data:
        cfg.data.root = args.data
    if args.jobs:
        cfg.data.jobs = args.jobs
    by_split, excl = prepare(cfg, progress=progress_bar("prepare"))
    for split, entries in by_split.items():
        print(f"{split:<6} {len(entries)} recordings, {sum(e.duration for e in entries) / 3600:.2f} h")
    print(f"excluded: {len(excl)}")
    for e in excl:
        print(f"  {e['recording']}: {e['reason']}")
    return 0


def register(sub) -> None:
    c = sub.add_parser("prepare", help="montage, filter and cache every recording of a corpus")
    add_config_args(c)
    c.add_argument("--data", help="corpus root (the folder holding edf/)")
    c.add_argument("--jobs", type=int, default=0, help="worker processes")
    c.set_defaults(func=run)
