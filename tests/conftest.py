"""Shared fixtures. ../shared (beside the project root) holds models, photos and test sets; tests that need it
skip with a clear reason where it is absent."""
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED_DIR / "assets").is_dir():
        pytest.skip(f"needs the shared data folder {SHARED_DIR} (models, photos, test sets), which is absent here")
    return SHARED_DIR


@pytest.fixture(scope="session")
def models_root(shared_dir) -> Path:
    """The shared rigged models: <folder>/<stem>.gltf|.glb."""
    root = shared_dir / "assets" / "models"
    if not root.is_dir():
        pytest.skip(f"needs the shared models folder {root}, which is absent here")
    return root
