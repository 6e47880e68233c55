"""Shared fixtures.

Real data lives at ``../shared/data`` beside the project root and is never copied into the project.
Under CI (``CI=true``) its absence is a failure, not a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
TEST_OUTPUT = PROJECT_ROOT / "test-output"


def _shared(sub: str) -> Path:
    path = SHARED_DATA / sub
    if not path.exists():
        message = f"shared data not found at {path} (expected ../shared/data beside the project root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return _shared("")


@pytest.fixture(scope="session")
def force2020_dir() -> Path:
    return _shared("force2020")


@pytest.fixture(scope="session")
def spwla_dir() -> Path:
    return _shared("spwla2020")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return _shared("las-corpus")


@pytest.fixture(scope="session")
def test_output() -> Path:
    """A folder a person can open after the run (screenshots, plots)."""
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT
