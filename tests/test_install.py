"""A non-editable install carries everything needed at run time, with the source tree gone."""
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_install_runs_without_the_source_tree(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "*.egg-info", "build", "__pycache__", ".pytest_cache"))
    env_dir = tmp_path / "venv"
    # System site-packages provide spaCy and friends offline; the package itself is installed fresh.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", str(src)],
                   check=True, cwd=tmp_path)
    sample = tmp_path / "sample.jsonl"
    shutil.copy(src / "data" / "samples" / "articles.jsonl", sample)
    shutil.rmtree(src)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = work / "tagged.jsonl"
    subprocess.run([str(env_dir / "bin" / "minenlp"), "tag", str(sample), "-o", str(out), "-q"], check=True, cwd=work, env=env)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == len(sample.read_text().splitlines())
    assert all(r["error"] is None for r in rows)
    assert any(e["canonical"] for r in rows for e in r["entities"])
    where = subprocess.run([str(py), "-c", "import minenlp.resources as r; print(r.gazetteer_dir())"],
                           check=True, cwd=work, env=env, capture_output=True, text=True).stdout
    assert str(env_dir) in where
