"""The container's install steps, run for real into a fresh venv (Docker itself is not needed).

The Dockerfile runs ``scripts/container_install.sh``; this test runs the same script into a
throwaway venv from the same requirements.lock and checks the installed (non-editable) package
works: the CLI, the API app and the dashboard entry file. Slow (a full dependency install, ~2-3
min, from pip's configured local wheels/cache).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]


def test_dockerfile_uses_the_install_script_and_runs_unprivileged():
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert "scripts/container_install.sh" in text and "requirements.lock" in text
    assert re.search(r"^USER (?!root)\S+", text, re.M)
    assert re.search(r"^HEALTHCHECK .*", text, re.M) and "/health" in text
    compose = (PROJECT_ROOT / "compose.yaml").read_text()
    assert "welllog serve" in compose.replace('", "', " ") and "welllog dashboard" in compose.replace('", "', " ")
    assert "WELLLOG_API_URL" in compose


def docker_context(dest: Path) -> Path:
    """Copy what the Dockerfile COPYs (so the build leaves nothing in the working tree)."""
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    names = [n for line in re.findall(r"^COPY (.+)$", text, re.M) for n in line.split()[:-1]]
    for name in names:
        src = PROJECT_ROOT / name
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, target)
    return dest


def test_install_script_builds_a_working_environment(tmp_path: Path):
    venv = tmp_path / "venv"
    context = docker_context(tmp_path / "src")
    script = context / "scripts" / "container_install.sh"
    done = subprocess.run(
        ["bash", str(script), str(context), str(venv)],
        capture_output=True, text=True, timeout=400,
        env={**{k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}, "PYTHON": sys.executable},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    help_text = subprocess.run([str(venv / "bin" / "welllog"), "--help"], capture_output=True, text=True, timeout=60)
    assert help_text.returncode == 0 and "serve" in help_text.stdout and "dashboard" in help_text.stdout
    probe = (
        "from fastapi.testclient import TestClient\n"
        "from api.main import create_app\n"
        "from welllog.cli.services import dashboard_script\n"
        "import api, sys\n"
        "assert 'site-packages' in api.__file__, api.__file__\n"
        "assert dashboard_script().is_file()\n"
        "with TestClient(create_app(models_dir=sys.argv[1])) as c:\n"
        "    assert c.get('/health').status_code == 200\n"
        "    assert c.get('/ready').status_code == 503\n"
    )
    run = subprocess.run([str(venv / "bin" / "python"), "-c", probe, str(tmp_path / "nomodels")],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
