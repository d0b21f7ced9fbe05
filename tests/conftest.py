"""Shared fixtures. Shared read-only data lives in ../shared relative to the project root; tests that need it use
the `shared_dir` fixture, which skips them with the reason when it is absent."""
from pathlib import Path

import pytest

SHARED_DIR = Path(__file__).resolve().parents[1] / ".." / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared data folder {SHARED_DIR.resolve()} is absent (needs ../shared next to the project)")
    return SHARED_DIR.resolve()


@pytest.fixture(scope="session")
def models_root(shared_dir) -> Path:
    root = shared_dir / "assets" / "models"
    if not root.is_dir():
        pytest.skip(f"shared models folder {root} is absent")
    return root
