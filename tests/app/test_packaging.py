"""Packaging: a wheel built from the checkout installs a working ``seizure`` with its configurations.

Before: ``pip install .`` shipped no ``configs/`` (pyproject named a folder that did not exist), the
command then ran silently without its YAML defaults, and a generic top-level ``pipelines`` package
landed in site-packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
#: Where each installed package name lives in the checkout.
ROOTS = {"seizure": ROOT / "seizure", "seizure_app": ROOT / "pipelines", "seizure_app.configs": ROOT / "configs"}


def _declared() -> tuple[list[str], dict]:
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return tool["packages"], tool["package-data"]


def _package_folders() -> set[str]:
    found = set()
    for name, folder in ROOTS.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder).parts
            if "__pycache__" not in rel:
                found.add(".".join((name, *rel)))
    return found


def test_the_package_list_names_every_package_folder():
    packages, data = _declared()
    assert set(packages) == _package_folders()
    assert "pipelines" not in packages
    shipped = {p.relative_to(ROOT / "configs").as_posix() for p in (ROOT / "configs").rglob("*.yaml")}
    patterns = data["seizure_app.configs"]
    assert all(any(Path(f).match(p) for p in patterns) for f in shipped), (shipped, patterns)


@pytest.mark.slow
def test_wheel_installed_outside_the_checkout_uses_the_packaged_configs(tmp_path):
    from seizure.synth import generate_corpus

    src = tmp_path / "src"  # build from a copy: building in place would leave build/ in the checkout
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("seizure", "pipelines", "configs"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
                    str(src)], check=True, capture_output=True)  # fmt: skip
    (wheel,) = wheels.glob("seizure-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "seizure_app/configs/train.yaml" in names and "seizure_app/configs/model/golmohammadi2017.yaml" in names
    assert not any(n.startswith("pipelines/") for n in names)

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)  # fmt: skip
    corpus = tmp_path / "corpus"
    generate_corpus(corpus, n_patients=3, hours=0.1, seed=5)
    work = tmp_path / "elsewhere"  # not the checkout: nothing of it on the path
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(site), MLFLOW_DISABLE_TELEMETRY="true", OMP_WAIT_POLICY="PASSIVE")
    probe = subprocess.run([sys.executable, "-c", "import seizure, seizure_app; print(seizure.__file__, seizure_app.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)  # fmt: skip
    assert all(p.startswith(str(site)) for p in probe.stdout.split()), probe.stdout
    done = subprocess.run(
        [sys.executable, "-m", "seizure_app.cli", "train", "--data", str(corpus), "train.epochs=1",
         "model.conv_channels=[4,8]", "model.hidden_size=8", "data.window_s=8", f"data.cache_dir={work / 'cache'}",
         f"tracking.uri=sqlite:///{work / 'mlflow.db'}"],
        cwd=work, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"config: {site / 'seizure_app' / 'configs' / 'train.yaml'}" in done.stderr
    (run_dir,) = (work / "runs").iterdir()
    assert (run_dir / "metrics.json").is_file() and (run_dir / "report.html").is_file()
