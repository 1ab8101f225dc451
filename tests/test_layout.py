"""The shape of the code base: small modules, and the layer contracts of pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 500


def test_no_module_is_over_500_lines():
    long = {}
    for folder in ("seizure", "pipelines"):
        for path in (ROOT / folder).rglob("*.py"):
            n = len(path.read_text().splitlines())
            if n > MAX_LINES:
                long[str(path.relative_to(ROOT))] = n
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"


def test_layer_contracts_hold():
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists() and not shutil.which("lint-imports"):
        pytest.skip("import-linter is not installed (it comes with the test extra)")
    done = subprocess.run([str(exe) if exe.exists() else "lint-imports"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "0 broken" in done.stdout
