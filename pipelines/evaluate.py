"""Stage: score detectors on a split; fit operating points on dev; compare at matched FA/24h.

:func:`evaluate_model` scores a network and the band-power baseline (called by training);
:func:`evaluate_run` re-scores a trained run folder (``seizure evaluate``), e.g. with another
operating-point target, into ``<run>/evaluations/<UTC time>/``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seizure.baseline import baseline_scores, fit_baseline
from seizure.cache import CachedRecording
from seizure.config import Config, load_config
from seizure.inference import INFERENCE_WINDOW_FACTOR, predict_signals
from seizure.io.annotations import Annotation, Event, write_csv_bi
from seizure.operating_point import best_sensitivity_at, candidate_thresholds, sweep
from seizure.postprocess import OPERATING_POINT_FILE, EventDetector
from seizure.scoring import score_pairs
from seizure.storage import new_run_folder

__all__ = [
    "model_probs",
    "baseline_probs",
    "refs_of",
    "fit_on_dev",
    "evaluate_detector",
    "matched_comparison",
    "evaluate_model",
    "resolve_run_dir",
    "run_config",
    "evaluate_run",
]


def _n_steps(entry: CachedRecording, step_s: float) -> int:
    return int(np.floor(entry.duration / step_s + 1e-9))


def model_probs(net, entries: list[CachedRecording], cfg: Config) -> list[np.ndarray]:
    """Per-step probabilities of the network for each recording."""
    sps = int(round(cfg.data.step_s * entries[0].sfreq)) if entries else 0
    window_steps = int(round(cfg.data.window_s / cfg.data.step_s))
    return [
        predict_signals(net, e.signals, sps, _n_steps(e, cfg.data.step_s), window_steps * INFERENCE_WINDOW_FACTOR)
        for e in entries
    ]


def baseline_probs(entries: list[CachedRecording], cfg: Config) -> list[np.ndarray]:
    """Per-step scores of the non-learned line-length/band-power detector."""
    return [
        baseline_scores(e.signals, e.sfreq, cfg.data.step_s, _n_steps(e, cfg.data.step_s), present=e.meta["present"])
        for e in entries
    ]


def refs_of(entries: list[CachedRecording]) -> list[list[Event]]:
    """Reference seizures of each recording."""
    return [[Event(a, b, "seiz") for a, b in e.seizures] for e in entries]


def _settings(cfg: Config) -> EventDetector:
    pp = cfg.postprocess
    return EventDetector(cfg.data.step_s, pp.smooth_s, pp.min_duration_s, pp.merge_gap_s)


def fit_on_dev(dev_probs: Sequence[np.ndarray], dev: list[CachedRecording], cfg: Config) -> EventDetector:
    """The configured post-processing with its threshold fitted on dev to ``postprocess.target_fa_per_24h``
    (OVLP; the median threshold of the best-sensitivity plateau)."""
    return _settings(cfg).fit(
        dev_probs, refs_of(dev), [e.duration for e in dev], target_fa_per_24h=cfg.postprocess.target_fa_per_24h
    )


def evaluate_detector(
    name: str,
    detector: EventDetector,
    eval_probs: list[np.ndarray],
    evl: list[CachedRecording],
    out_dir: Path,
) -> dict:
    """Detect on eval with a fitted detector, write hypotheses and probabilities, score.

    Returns
    -------
    dict
        ``{"detector": {...settings...}, "dev_fit": {"target_fa_per_24h", threshold, sensitivity,
        fa_per_24h, hits, targets, false_alarms}, "eval": score_pairs(...), "eval_curve": {"ovlp": [...],
        "taes": [...]}, "events": {bname: [[start, stop, conf], ...]}}``
    """
    hyp_dir = out_dir / "hyp" / name
    prob_dir = out_dir / "probs" / name
    hyp_dir.mkdir(parents=True, exist_ok=True)
    prob_dir.mkdir(parents=True, exist_ok=True)
    pairs = []
    events_out = {}
    for entry, probs in zip(evl, eval_probs):
        hyp = detector.predict(probs, duration=entry.duration)
        write_csv_bi(hyp_dir / f"{entry.meta['bname']}.csv_bi", hyp, entry.duration, entry.meta["bname"])
        np.save(prob_dir / f"{entry.meta['bname']}.npy", probs.astype(np.float32))
        ref = Annotation(entry.meta["bname"], entry.duration, [Event(a, b, "seiz") for a, b in entry.seizures])
        pairs.append((ref, Annotation(entry.meta["bname"], entry.duration, hyp)))
        events_out[entry.meta["bname"]] = [[e.start, e.stop, e.confidence] for e in hyp]
    scores = score_pairs(pairs, metrics=("ovlp", "taes"))

    eval_refs = refs_of(evl)
    durations = [e.duration for e in evl]
    thresholds = candidate_thresholds(eval_probs, detector)
    curves = {m: sweep(eval_probs, eval_refs, durations, detector, thresholds, m) for m in ("ovlp", "taes")}
    return {
        "detector": detector.to_dict(),
        "dev_fit": {"target_fa_per_24h": detector.fit_info_["target"]["value"], **detector.fit_info_["chosen"]},
        "eval": scores,
        "eval_curve": curves,
        "events": events_out,
    }


def matched_comparison(model: dict, baseline: dict, metric: str = "ovlp") -> dict:
    """Best eval sensitivity of each detector at FA/24h no higher than the model's operating point."""
    fa = model["eval"]["metrics"][metric]["seiz"]["fa_per_24h"]
    out = {"metric": metric, "max_fa_per_24h": fa}
    for name, res in (("model", model), ("baseline", baseline)):
        point = best_sensitivity_at(res["eval_curve"][metric], fa)
        out[name] = point
    return out


def evaluate_model(net, by_split: dict, exclusions: list, cfg: Config, run_dir: Path, doc: dict, tracker=None) -> dict:
    """Fit model and baseline on dev, score them on eval, write hypotheses, the fitted file, metrics and report.

    The model's fitted detector goes to ``<run_dir>/operating_point.json``. Fills ``doc`` with
    ``data``, ``exclusions``, ``results``, ``matched`` and ``report``, logs them when tracked, and
    returns it.
    """
    import torch

    from seizure.report import write_report

    t0 = time.perf_counter()
    dev, evl = by_split["dev"], by_split["eval"]
    with torch.no_grad():
        model_det = fit_on_dev(model_probs(net, dev, cfg), dev, cfg)
        res_model = evaluate_detector("model", model_det, model_probs(net, evl, cfg), evl, run_dir)
    base_det = fit_baseline(
        baseline_probs(dev, cfg),
        refs_of(dev),
        [e.duration for e in dev],
        _settings(cfg),
        cfg.postprocess.target_fa_per_24h,
    )
    res_base = evaluate_detector("baseline", base_det, baseline_probs(evl, cfg), evl, run_dir)
    model_det.save(run_dir / OPERATING_POINT_FILE, chosen_by="training", split="dev")
    doc["data"] = {
        split: {
            "recordings": len(v),
            "patients": len({e.meta["subject"] for e in v}),
            "hours": sum(e.duration for e in v) / 3600,
            "seizures": sum(len(e.seizures) for e in v),
        }
        for split, v in by_split.items()
    }
    doc["exclusions"] = exclusions
    doc["results"] = {"model": res_model, "baseline": res_base}
    doc["matched"] = {m: matched_comparison(res_model, res_base, m) for m in ("ovlp", "taes")}
    doc.setdefault("timing_s", {})["evaluate"] = time.perf_counter() - t0
    report_html = write_report(doc, evl, run_dir)
    doc["run_dir"] = str(run_dir)
    doc["report"] = str(report_html)
    (run_dir / "metrics.json").write_text(json.dumps(doc, indent=1, default=float))
    if tracker is not None:
        for name, res in (("model", res_model), ("baseline", res_base)):
            for metric in ("ovlp", "taes"):
                seiz = res["eval"]["metrics"][metric]["seiz"]
                tracker.log_metrics(
                    {
                        f"eval_{name}_{metric}_sensitivity": seiz["sensitivity"],
                        f"eval_{name}_{metric}_fa_per_24h": seiz["fa_per_24h"],
                    }
                )
        for name in ("config.yaml", "splits.json", "exclusions.json", OPERATING_POINT_FILE, "model.json"):
            if (run_dir / name).is_file():
                tracker.log_artifact(run_dir / name)
        for name in ("report.html", "report.json", "report.pdf"):
            if (run_dir / name).is_file():
                tracker.log_artifact(run_dir / name, "report")
    return doc


def resolve_run_dir(run: str | Path, tracking_uri: str = "") -> Path:
    """A training run folder, given as a folder or an MLflow run id (its ``run_dir`` tag).

    Raises
    ------
    FileNotFoundError
        If the folder holds no ``config.yaml``.
    """
    target = Path(run)
    if target.is_dir():
        run_dir = target
    else:
        from seizure.tracking import run_info

        run_dir = Path(run_info(str(run), tracking_uri or "")["tags"].get("run_dir", ""))
    if not (run_dir / "config.yaml").is_file():
        raise FileNotFoundError(f"{run_dir}: not a training run folder (no config.yaml)")
    return run_dir


def run_config(run_dir: Path, overrides: Sequence[str] = (), data: str | None = None) -> Config:
    """The run's configuration with dotted ``overrides`` and, given ``data``, another corpus root."""
    cfg = load_config([Path(run_dir) / "config.yaml"], list(overrides))
    if data:
        cfg.data.root = data
    return cfg


def evaluate_run(run_dir: str | Path, cfg: Config | None = None, out_dir: str | Path | None = None) -> dict:
    """Re-score a trained run: refit the operating points on dev, score eval, write a report.

    Parameters
    ----------
    run_dir : path
        Training run folder (``config.yaml``, ``model_state.pt``, ``operating_point.json``).
    cfg : Config, optional
        Configuration to score with (default: the run's, :func:`run_config`).
    out_dir : path, optional
        Output folder (default ``<run_dir>/evaluations/<UTC time>``); receives the hypotheses,
        the refitted ``operating_point.json``, ``metrics.json`` and the report.

    Returns
    -------
    dict
        The metrics document (as training writes it), carrying over ``run_id``, ``tracking_uri``,
        ``config_hash``, ``model`` and ``train`` from the run's ``metrics.json``.
    """
    from seizure.detection.model import load_detector
    from seizure_app.prepare import prepare

    run_dir = resolve_run_dir(run_dir)
    cfg = cfg if cfg is not None else run_config(run_dir)
    if out_dir:
        out = Path(out_dir)
        out.mkdir(parents=True)
    else:
        out = new_run_folder(run_dir / "evaluations")
    by_split, excl = prepare(cfg, exclusions_path=out / "exclusions.json")
    previous = json.loads((run_dir / "metrics.json").read_text()) if (run_dir / "metrics.json").is_file() else {}
    doc = {k: previous[k] for k in ("run_id", "tracking_uri", "config_hash", "model", "train") if k in previous}
    doc["timing_s"] = {}
    return evaluate_model(load_detector(run_dir).net, by_split, excl, cfg, out, doc)
