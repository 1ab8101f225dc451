"""``seizure detect EDF_OR_DIR... --model (RUN_DIR | models:/NAME/VERSION)``: seizures in any EDF."""

from seizure_app.commands.common import pct


def _progress():
    from tqdm import tqdm

    state = {"bar": None}

    def update(done: float, total: float) -> None:
        if state["bar"] is None:
            state["bar"] = tqdm(total=round(total / 3600, 3), desc="detect", unit="h EEG")
        state["bar"].n = round(done / 3600, 3)
        state["bar"].refresh()

    def close() -> None:
        if state["bar"] is not None:
            state["bar"].close()

    return update, close


def run(args) -> int:
    from seizure_app.detect import detect, fit_operating_point

    if not args.inputs and args.fit_on is None:
        print("error: give EDF files/folders to detect on, or --fit-on to fit the operating point", flush=True)
        return 2
    op_path = args.operating_point
    if args.fit_on is not None:
        if (args.target_fa is None) == (args.target_sensitivity is None):
            print("error: --fit-on needs exactly one of --target-fa and --target-sensitivity")
            return 2
        update, close = _progress()
        sens = None if args.target_sensitivity is None else args.target_sensitivity / 100.0
        fit = fit_operating_point(
            args.model,
            args.fit_on,
            args.target_fa,
            sens,
            args.metric,
            tracking_uri=args.tracking_uri,
            chunk_s=args.chunk_s,
            progress=update,
        )
        close()
        c, f = fit["fit"]["chosen"], fit["fit"]
        print(
            f"operating point fitted on {f['n_recordings']} recordings ({f['hours']:.2f} h), "
            f"{f['metric'].upper()}: sensitivity {pct(c['sensitivity'])}, FA/24h {c['fa_per_24h']:.2f}"
            f"{'' if f['target_met'] else '  (target NOT met: closest point taken)'}"
        )
        print(f"  settings {fit['postprocess']}")
        print(
            f"  written to {fit['path']}" + (f", logged to MLflow run {fit['logged_to']}" if fit["logged_to"] else "")
        )
        for e in fit["errors"]:
            print(f"  not used: {e['recording']}: {e['reason']}")
        op_path = fit["path"]
        if not args.inputs:
            return 0
    update, close = _progress()
    man = detect(
        args.inputs,
        args.model,
        args.out,
        tracking_uri=args.tracking_uri,
        operating_point=op_path,
        chunk_s=args.chunk_s,
        timelines=not args.no_timelines,
        progress=update,
    )
    close()
    recs = man["recordings"]
    n_ev = sum(len(r["events"]) for r in recs)
    hours = sum(r["duration_s"] for r in recs) / 3600
    print(
        f"{len(recs)} recording(s), {hours:.2f} h: {n_ev} detection(s) at threshold "
        f"{man['postprocess']['threshold_']:.3f} ({man['model']['operating_point'].get('file')})"
    )
    for r in recs:
        print(
            f"  {r['bname']}: {len(r['events'])} detection(s)"
            + (f", {r['n_reference_seizures']} reference seizure(s)" if r["reference"] else "")
        )
        if r.get("reference_error"):
            print(f"    reference not used (detected all the same): {r['reference_error']}")
    if man["errors"]:
        print(f"{len(man['errors'])} recording(s) could not be processed (no detection written for them):")
        for e in man["errors"]:
            print(f"  {e['recording']}: {e['reason']}")
    print(f"outputs: {man['out_dir']} (hyp/*.csv_bi, probs/*.csv, timelines/*.png, detections.json)")
    if man["errors"] and (not args.keep_going or not recs):
        if recs:
            print("exit status 1: some inputs failed (use --keep-going to exit 0 when at least one succeeded)")
        return 1
    return 0


def register(sub) -> None:
    c = sub.add_parser(
        "detect",
        help="detect seizures in EDF recordings with a trained model",
        description="Run a trained detector on EDF files (TUSZ or any EDF with 10-20 electrodes). "
        "Writes per recording hyp/<name>.csv_bi, probs/<name>.csv and timelines/<name>.png.",
    )
    c.add_argument(
        "inputs",
        nargs="*",
        help="EDF files or folders (recursive); train/dev/eval = that split of the model's training run",
    )
    c.add_argument(
        "--model",
        required=True,
        help="training run folder, models:/NAME/VERSION, models:/NAME@ALIAS or runs:/RUN_ID/model",
    )
    c.add_argument("--out", help="output folder (default detections/<UTC time>)")
    c.add_argument("--tracking-uri", default="", help="MLflow tracking URI for model URIs")
    c.add_argument("--operating-point", help="JSON of post-processing settings replacing the model's")
    c.add_argument("--chunk-s", type=float, default=300.0, help="seconds of signal per chunk (memory bound)")
    c.add_argument("--no-timelines", action="store_true", help="do not draw timeline PNGs")
    c.add_argument(
        "--keep-going",
        action="store_true",
        help="exit 0 when some inputs could not be processed but others were (default: exit 1)",
    )
    c.add_argument("--strict", action="store_true", help="exit 1 if any input could not be processed (the default)")
    g = c.add_argument_group("operating point fitting")
    g.add_argument(
        "--fit-on",
        nargs="+",
        metavar="EDF_OR_DIR",
        help="labelled recordings (or 'dev') to fit "
        "smoothing, minimum duration, merge gap and threshold on; stored with the model",
    )
    g.add_argument("--target-fa", type=float, help="target false alarms per 24 h")
    g.add_argument("--target-sensitivity", type=float, help="target sensitivity in percent")
    g.add_argument("--metric", choices=("ovlp", "taes"), default="ovlp", help="scoring used for the fit")
    c.set_defaults(func=run)
