"""``seizure report RUN_ID_OR_EVAL_DIR``: clinical evaluation report (HTML, JSON, PDF), logged to MLflow."""

from seizure_app.commands.common import pct


def run(args) -> int:
    from seizure_app.report import report

    out = report(
        args.target,
        args.out,
        runs_dir=args.runs_dir,
        tracking_uri=args.tracking_uri,
        pdf=None if args.pdf == "none" else args.pdf,
        log_to_mlflow=not args.no_mlflow,
        n_boot=args.n_boot,
    )
    doc = out["doc"]
    d = doc["data"]
    print(
        f"{d['recordings']} recordings, {d['patients']} patients, {d['hours']:.2f} h, {d['seizures']} seizures; "
        f"{len(doc['exclusions'])} excluded"
    )
    names = {"ovlp": "OVLP", "taes": "TAES", "szcore": "SzCORE"}
    for m, h in doc["headline"].items():
        ci = h["sensitivity_ci_bootstrap"]
        ci_s = f"[{pct(ci[0]).strip()}, {pct(ci[1]).strip()}]" if ci else "n/a"
        fa = "n/a" if h["fa_per_24h"] is None else f"{h['fa_per_24h']:.2f}"
        print(
            f"  {names.get(m, m):<6} sensitivity {pct(h['sensitivity'])} (95% CI {ci_s}, patient bootstrap)  FA/24h {fa}"
        )
    if doc["scorers_missing"]:
        print(f"  not reported (scorer unavailable): {', '.join(doc['scorers_missing'])}")
    print(f"HTML: {out['html']}\nJSON: {out['json']}")
    if out["pdf"]:
        print(f"PDF:  {out['pdf']} ({out['pdf_engine']})")
    if out["logged_to"]:
        print(f"logged to MLflow run {out['logged_to']}")
    if d["recordings"] == 0:
        print("error: no recording could be scored (reasons in the report's exclusion list)")
        return 1
    return 0


def register(sub) -> None:
    c = sub.add_parser("report", help="clinical evaluation report of a run or a detection folder")
    c.add_argument("target", help="training run folder, `seizure detect` output folder, or MLflow run id")
    c.add_argument("--out", help="output folder (default: the run or detection folder)")
    c.add_argument("--runs-dir", default="runs", help="where run folders are looked up by run id")
    c.add_argument("--tracking-uri", default="", help="MLflow tracking URI")
    c.add_argument("--pdf", choices=("auto", "chromium", "matplotlib", "none"), default="auto", help="PDF engine")
    c.add_argument("--no-mlflow", action="store_true", help="do not log the report to MLflow")
    c.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples for the intervals")
    c.set_defaults(func=run)
