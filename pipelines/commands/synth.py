"""``seizure synth OUT_DIR``: a synthetic corpus in the TUSZ v2.0 layout."""

from seizure_app.commands.common import progress_bar


def run(args) -> int:
    from seizure.synth import generate_corpus

    out = generate_corpus(
        args.out_dir,
        n_patients=args.patients,
        hours=args.hours,
        seed=args.seed,
        jobs=args.jobs,
        progress=progress_bar("synth"),
    )
    t = out["totals"]
    print(
        f"wrote {t['n_recordings']} recordings, {t['n_patients']} patients, {t['duration_s'] / 3600:.2f} h, "
        f"{t['n_seizures']} seizures ({100 * t['seizure_fraction']:.1f}% seizure time) to {args.out_dir}"
    )
    return 0


def register(sub) -> None:
    s = sub.add_parser("synth", help="write a synthetic corpus in the TUSZ v2.0 layout")
    s.add_argument("out_dir")
    s.add_argument("--patients", type=int, default=12)
    s.add_argument("--hours", type=float, default=3.0)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--jobs", type=int, default=1)
    s.set_defaults(func=run)
