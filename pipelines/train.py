"""Stage: train a detector with Lightning, evaluate it against the baseline, track it in MLflow."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from pathlib import Path

import lightning as L
import numpy as np
import torch
import yaml

from pipelines.evaluate import baseline_probs, evaluate_detector, matched_comparison, model_probs
from pipelines.prepare import prepare
from seizure.config import Config, config_hash, flatten, to_dict
from seizure.report import write_report
from seizure.tracking import MlflowEpochCallback, Tracker, git_commit
from seizure.training.data import SeizureDataModule
from seizure.training.module import SeizureModule

__all__ = ["train"]

logger = logging.getLogger("seizure")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("torch", "lightning", "mne", "numpy", "mlflow", "scikit-learn"):
        try:
            out[f"version.{pkg}"] = version(pkg)
        except PackageNotFoundError:
            out[f"version.{pkg}"] = "missing"
    return out


def _data_manifest_hash(by_split: dict) -> str:
    return config_hash({s: sorted(e.meta["source_hash"] for e in entries) for s, entries in by_split.items()})


def train(cfg: Config, progress_bar: bool = True, say=print) -> dict:
    """Prepare data, train, evaluate (model vs baseline), write report, log everything to MLflow.

    Parameters
    ----------
    cfg : Config
        Resolved configuration.
    progress_bar : bool
        Show Lightning's progress bar.
    say : callable
        Receives one-line progress messages (the CLI prints them).

    Returns
    -------
    dict
        The metrics document (also written as ``metrics.json`` in the run folder), with
        ``run_id``, ``run_dir``, ``report`` paths added.
    """
    t0 = time.perf_counter()
    torch.set_num_threads(max(1, cfg.train.threads))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_dir = Path(cfg.output_dir) / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    resolved = to_dict(cfg)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False))

    say("preparing recordings (montage, filtering, cache)...")
    by_split, exclusions = prepare(cfg, exclusions_path=run_dir / "exclusions.json")
    for split in ("train", "dev", "eval"):
        if not by_split.get(split):
            raise ValueError(f"{cfg.data.root}: split '{split}' has no usable recording")
    (run_dir / "splits.json").write_text(
        json.dumps({s: [e.meta["edf"] for e in v] for s, v in by_split.items()}, indent=1)
    )
    t_prep = time.perf_counter() - t0

    L.seed_everything(cfg.train.seed, workers=True, verbose=False)
    dm = SeizureDataModule(
        by_split["train"], by_split["dev"], cfg.data.window_s, cfg.data.stride_s, cfg.data.step_s,
        cfg.data.label_rule, cfg.train.batch_size, cfg.train.seizure_oversample, cfg.train.num_workers,
        cfg.train.seed,
    )
    pos = dm.positive_fraction()
    if cfg.train.pos_weight > 0:
        pos_weight = cfg.train.pos_weight
    else:  # automatic: balance what the sampler leaves unbalanced, capped
        eff = cfg.train.seizure_oversample * 0.5 if cfg.train.seizure_oversample > 0 else pos
        pos_weight = float(np.clip((1 - eff) / max(eff, 1e-3), 1.0, 20.0))
    sfreq = by_split["train"][0].sfreq
    model_kwargs = {
        "n_channels": by_split["train"][0].signals.shape[0],
        "sfreq": sfreq,
        "step_s": cfg.data.step_s,
        "rnn": cfg.model.rnn,
        "conv_channels": list(cfg.model.conv_channels),
        "kernel_size": cfg.model.kernel_size,
        "hidden_size": cfg.model.hidden_size,
        "num_layers": cfg.model.num_layers,
        "bidirectional": cfg.model.bidirectional,
        "dropout": cfg.model.dropout,
    }
    module = SeizureModule(cfg.model.name, model_kwargs, cfg.train.lr, cfg.train.weight_decay, pos_weight)

    with Tracker(cfg.tracking.uri, cfg.tracking.experiment, run_name=f"{cfg.model.name}-{cfg.model.rnn}-{stamp}") as tr:
        say(f"MLflow run {tr.run_id} at {tr.uri}")
        tr.log_params(flatten(resolved))
        tr.set_tags(
            {
                "git_commit": git_commit(),
                "data_manifest_hash": _data_manifest_hash(by_split),
                "corpus_root": str(Path(cfg.data.root).resolve()),
                "seed": cfg.train.seed,
                "config_hash": config_hash(resolved),
                **_versions(),
            }
        )
        tr.log_params({"derived.pos_weight": pos_weight, "derived.train_seizure_fraction": round(pos, 5)})
        trainer = L.Trainer(
            max_epochs=cfg.train.epochs,
            accelerator=cfg.train.accelerator,
            devices=cfg.train.devices,
            deterministic=cfg.train.deterministic,
            gradient_clip_val=cfg.train.gradient_clip_val or None,
            callbacks=[MlflowEpochCallback(tr)],
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=progress_bar,
            enable_model_summary=False,
            default_root_dir=str(run_dir),
            num_sanity_val_steps=0,
        )
        say(
            f"training {cfg.model.name}/{cfg.model.rnn} on {len(dm.train_index)} windows "
            f"({len(by_split['train'])} recordings), {cfg.train.epochs} epochs..."
        )
        t1 = time.perf_counter()
        trainer.fit(module, datamodule=dm)
        t_train = time.perf_counter() - t1
        torch.save(module.net.state_dict(), run_dir / "model_state.pt")

        say("scoring dev and eval splits (model and baseline)...")
        net = module.net.eval()
        dev, evl = by_split["dev"], by_split["eval"]
        with torch.no_grad():
            res_model = evaluate_detector(
                "model", model_probs(net, dev, cfg), dev, model_probs(net, evl, cfg), evl, cfg, run_dir
            )
        res_base = evaluate_detector(
            "baseline", baseline_probs(dev, cfg), dev, baseline_probs(evl, cfg), evl, cfg, run_dir
        )
        (run_dir / "postprocess.json").write_text(json.dumps(res_model["detector"], indent=1))
        doc = {
            "run_id": tr.run_id,
            "tracking_uri": tr.uri,
            "config_hash": config_hash(resolved),
            "data": {
                split: {
                    "recordings": len(v),
                    "patients": len({e.meta["subject"] for e in v}),
                    "hours": sum(e.duration for e in v) / 3600,
                    "seizures": sum(len(e.seizures) for e in v),
                }
                for split, v in by_split.items()
            },
            "exclusions": exclusions,
            "model": {"name": cfg.model.name, "kwargs": model_kwargs, "n_parameters": module.net.n_parameters()},
            "train": {"epochs": cfg.train.epochs, "pos_weight": pos_weight, "seconds": t_train},
            "results": {"model": res_model, "baseline": res_base},
            "matched": {m: matched_comparison(res_model, res_base, m) for m in ("ovlp", "taes")},
            "timing_s": {"prepare": t_prep, "train": t_train},
        }
        for name, res in (("model", res_model), ("baseline", res_base)):
            for metric in ("ovlp", "taes"):
                seiz = res["eval"]["metrics"][metric]["seiz"]
                tr.log_metrics(
                    {
                        f"eval_{name}_{metric}_sensitivity": seiz["sensitivity"],
                        f"eval_{name}_{metric}_fa_per_24h": seiz["fa_per_24h"],
                    }
                )
        say("writing report and logging artifacts...")
        doc["timing_s"]["total_before_report"] = time.perf_counter() - t0
        report_html = write_report(doc, by_split["eval"], run_dir)
        (run_dir / "metrics.json").write_text(json.dumps(doc, indent=1, default=float))
        for name in ("config.yaml", "splits.json", "exclusions.json", "metrics.json", "postprocess.json"):
            tr.log_artifact(run_dir / name)
        tr.log_artifact(report_html, "report")
        example = np.zeros((1, model_kwargs["n_channels"], int(cfg.data.window_s * sfreq)), dtype=np.float32)
        tr.log_model(net, example, cfg.tracking.registered_model)
        doc["run_dir"] = str(run_dir)
        doc["report"] = str(report_html)
        doc["timing_s"]["total"] = time.perf_counter() - t0
    return doc
