"""The import-linter layers contract in pyproject.toml keeps data flowing one way.

These tests run `lint-imports` the way CI does: once on the real tree, which must pass, and once
on a copy of the package with a backwards import added, which must fail. The second proves the
contract is really enforced and not silently satisfied (a misspelt layer, an over-broad ignore).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[2]
REPO_DIR = PACKAGE_DIR.parents[1]
PYPROJECT = REPO_DIR / "pyproject.toml"

pytestmark = pytest.mark.skipif(
    not PYPROJECT.is_file() or PACKAGE_DIR.parent.name != "src",
    reason="needs the source checkout (src layout with pyproject.toml)",
)


def _lint_imports_command() -> list[str]:
    beside_python = Path(sys.executable).with_name("lint-imports")
    found = str(beside_python) if beside_python.is_file() else shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports is not installed; install the test extra: pip install -e '.[test]'")
    return [found, "--no-cache", "--no-logo"]


def _lint_imports(*, config: Path, src_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src_dir), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [*_lint_imports_command(), str(config)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_real_tree_keeps_the_layers_contract():
    result = _lint_imports(config=PYPROJECT, src_dir=REPO_DIR / "src", cwd=REPO_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_backwards_import_breaks_the_build(tmp_path):
    src_dir = tmp_path / "src"
    shutil.copytree(
        PACKAGE_DIR,
        src_dir / "zhengai",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static", "templates", "locale"),
    )
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    # org is a low layer (master data); datacenter sits above it and may import org, never the reverse.
    (src_dir / "zhengai" / "org" / "_backwards.py").write_text("import zhengai.datacenter  # noqa: F401\n")

    result = _lint_imports(config=tmp_path / "pyproject.toml", src_dir=src_dir, cwd=tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "BROKEN" in output
    assert "zhengai.org._backwards -> zhengai.datacenter" in output
