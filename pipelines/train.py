"""Stage: train a detector with Lightning, evaluate it against the baseline, track it in MLflow.

Every run has a folder ``<output_dir>/<timestamp>/`` (resolved config, checkpoints, hypotheses,
probabilities, report) and one MLflow run whose tag ``run_dir`` points at that folder. A run
interrupted by Ctrl-C or SIGTERM is marked KILLED, a crash FAILED; ``train(cfg, resume=RUN_ID)``
continues the same MLflow run from the last epoch checkpoint.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import time
from pathlib import Path

import lightning as L
import numpy as np
import torch
import yaml
from lightning.pytorch.callbacks import ModelCheckpoint

from seizure._validation import SeizureError
from seizure.config import Config, config_hash, flatten, load_config, to_dict
from seizure.io.corpus import CorpusError
from seizure.storage import new_run_folder
from seizure.tracking import MlflowEpochCallback, NullTracker, Tracker, git_commit, global_rank, run_info
from seizure.training.callbacks import build_callbacks
from seizure.training.checkpoint_io import AtomicCheckpointIO
from seizure.training.data import SeizureDataModule
from seizure.training.module import build_module
from seizure_app.evaluate import evaluate_model
from seizure_app.prepare import prepare

__all__ = ["train", "resume_target", "RunError"]

logger = logging.getLogger("seizure")


class RunError(SeizureError):
    """A training run that cannot start or be resumed as asked (names the argument)."""


TRAINER_KEYS = ("accelerator", "devices", "num_nodes", "strategy", "precision")


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


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Turn SIGTERM into KeyboardInterrupt so a killed run ends KILLED, with its checkpoints kept."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not in the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def resume_target(run_id: str, uri: str = "") -> tuple[Path, Config]:
    """Run folder and resolved config of an existing run (from its ``run_dir`` tag)."""
    info = run_info(run_id, uri)
    run_dir = info["tags"].get("run_dir")
    if not run_dir or not (Path(run_dir) / "config.yaml").is_file():
        raise FileNotFoundError(
            f"MLflow run {run_id}: its run folder {run_dir!r} (tag 'run_dir') is missing or has no config.yaml"
        )
    if info["status"] == "FINISHED":
        raise RunError(f"--resume {run_id}: the MLflow run already FINISHED; nothing to resume")
    return Path(run_dir), load_config([Path(run_dir) / "config.yaml"])


def _pos_weight(cfg: Config, pos: float) -> float:
    if cfg.train.pos_weight > 0:
        return cfg.train.pos_weight
    # automatic: balance what the sampler leaves unbalanced, capped
    eff = cfg.train.seizure_oversample * 0.5 if cfg.train.seizure_oversample > 0 else pos
    return float(np.clip((1 - eff) / max(eff, 1e-3), 1.0, 20.0))


def _trainer(cfg: Config, run_dir: Path, tracker: Tracker, progress_bar: bool, dev: list) -> L.Trainer:
    extra = {k: getattr(cfg.train, k) for k in TRAINER_KEYS}
    return L.Trainer(
        max_epochs=cfg.train.epochs,
        deterministic=cfg.train.deterministic,
        gradient_clip_val=cfg.train.gradient_clip_val or None,
        gradient_clip_algorithm=cfg.train.gradient_clip_algorithm,
        callbacks=[
            *build_callbacks(cfg, dev),
            MlflowEpochCallback(tracker),
            ModelCheckpoint(dirpath=run_dir / "checkpoints", save_last=True, save_top_k=1),  # latest epoch + last.ckpt
        ],
        logger=False,
        enable_progress_bar=progress_bar,
        enable_model_summary=False,
        default_root_dir=str(run_dir),
        num_sanity_val_steps=0,
        plugins=[AtomicCheckpointIO()],  # a full disk never leaves a damaged checkpoint
        **extra,
    )


def train(
    cfg: Config,
    resume: str | None = None,
    parent_run_id: str | None = None,
    progress_bar: bool = True,
    say=print,
) -> dict:
    """Prepare data, train, evaluate (model vs baseline), write report, log everything to MLflow.

    Parameters
    ----------
    cfg : Config
        Resolved configuration (ignored when resuming: the run's saved config is used).
    resume : str, optional
        MLflow run id to continue from its last checkpoint.
    parent_run_id : str, optional
        Log as a child of this MLflow run (sweeps).
    progress_bar : bool
        Show Lightning's progress bar.
    say : callable
        Receives one-line progress messages (the CLI prints them).

    Returns
    -------
    dict
        The metrics document (also ``metrics.json`` in the run folder) with ``run_id``,
        ``run_dir`` and ``report`` added.
    """
    t0 = time.perf_counter()
    if resume:
        run_dir, cfg = resume_target(resume, cfg.tracking.uri)
        say(f"resuming MLflow run {resume} from {run_dir}")
    else:
        run_dir = new_run_folder(cfg.output_dir)
    torch.set_num_threads(max(1, cfg.train.threads))
    resolved = to_dict(cfg)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False))

    say("preparing recordings (montage, filtering, cache)...")
    by_split, exclusions = prepare(cfg, exclusions_path=run_dir / "exclusions.json", layout=cfg.data.layout)
    for split in ("train", "dev", "eval"):
        if not by_split.get(split):
            raise CorpusError(f"{cfg.data.root}: split '{split}' has no usable recording")
    (run_dir / "splits.json").write_text(
        json.dumps({s: [e.meta["edf"] for e in v] for s, v in by_split.items()}, indent=1)
    )
    t_prep = time.perf_counter() - t0

    L.seed_everything(cfg.train.seed, workers=True, verbose=False)
    dm = SeizureDataModule(
        by_split["train"],
        by_split["dev"],
        cfg.data.window_s,
        cfg.data.stride_s,
        cfg.data.step_s,
        cfg.data.label_rule,
        cfg.train.batch_size,
        cfg.train.seizure_oversample,
        cfg.train.num_workers,
        cfg.train.seed,
        patient_balance=cfg.train.patient_balance,
    )
    pos = dm.positive_fraction()
    pos_weight = _pos_weight(cfg, pos)
    first = by_split["train"][0]
    sfreq = first.sfreq
    rows_per_channel = int(first.meta.get("rows_per_channel", 1))
    n_rows = first.signals.shape[0]
    module = build_module(cfg, n_rows // rows_per_channel, sfreq, pos_weight, rows_per_channel)
    model_kwargs = dict(module.hparams.model_kwargs)

    run_name = f"{cfg.model.name}-{cfg.model.rnn}-{run_dir.name}"
    rank = global_rank()
    tracker = (
        Tracker(cfg.tracking.uri, cfg.tracking.experiment, run_name, resume, parent_run_id)
        if rank == 0
        else NullTracker()
    )
    with tracker as tr, _sigterm_as_interrupt():
        say(f"MLflow run {tr.run_id} at {tr.uri}")
        if not resume:
            tr.log_params(flatten(resolved))
            tr.log_params({"derived.pos_weight": pos_weight, "derived.train_seizure_fraction": round(pos, 5)})
            tr.set_tags(
                {
                    "run_dir": str(run_dir),
                    "git_commit": git_commit(),
                    "data_manifest_hash": _data_manifest_hash(by_split),
                    "corpus_root": str(Path(cfg.data.root).resolve()),
                    "corpus_version": _corpus_version(cfg.data.root),
                    "seed": cfg.train.seed,
                    "config_hash": config_hash(resolved),
                    **_versions(),
                }
            )
        trainer = _trainer(cfg, run_dir, tr, progress_bar, by_split["dev"])
        last = run_dir / "checkpoints" / "last.ckpt"
        ckpt_path = str(last) if resume and last.is_file() else None
        say(
            f"training {cfg.model.name}/{cfg.model.rnn} on {len(dm.train_index)} windows "
            f"({len(by_split['train'])} recordings), {cfg.train.epochs} epochs"
            + (f", from checkpoint {last.name}" if ckpt_path else "")
            + "..."
        )
        t1 = time.perf_counter()
        trainer.fit(module, datamodule=dm, ckpt_path=ckpt_path)
        t_train = time.perf_counter() - t1
        if not trainer.is_global_zero:  # DDP: only rank 0 evaluates, reports and logs
            return {"rank": trainer.global_rank}
        torch.save(module.net.state_dict(), run_dir / "model_state.pt")
        (run_dir / "model.json").write_text(json.dumps({"name": cfg.model.name, "kwargs": model_kwargs}, indent=1))

        doc = {
            "run_id": tr.run_id,
            "tracking_uri": tr.uri,
            "config_hash": config_hash(resolved),
            "model": {"name": cfg.model.name, "kwargs": model_kwargs, "n_parameters": module.net.n_parameters()},
            "train": {"epochs": cfg.train.epochs, "pos_weight": pos_weight, "seconds": t_train},
            "timing_s": {"prepare": t_prep, "train": t_train},
        }
        say("scoring dev and eval splits (model and baseline)...")
        doc = evaluate_model(module.net.eval(), by_split, exclusions, cfg, run_dir, doc, tr)
        example = np.zeros((1, n_rows, int(cfg.data.window_s * sfreq)), dtype=np.float32)
        tr.log_model(module.net, example, cfg.tracking.registered_model)
        doc["timing_s"]["total"] = time.perf_counter() - t0
        (run_dir / "metrics.json").write_text(json.dumps(doc, indent=1, default=float))
        tr.log_artifact(run_dir / "metrics.json")
    return doc


def _corpus_version(root: str) -> str:
    """The synthetic generator's version, or the corpus folder name (e.g. ``v2.0.3``)."""
    manifest = Path(root) / "synth_manifest.json"
    if manifest.is_file():
        return str(json.loads(manifest.read_text()).get("params", {}).get("generator", "synthetic"))
    return Path(root).resolve().name
