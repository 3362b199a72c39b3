"Shared pytest fixtures: the repository root and the tools of the project's virtual environment."
import shutil, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

def tool(name: str) -> str:
    "The path of a console script installed beside this Python (the project's .venv)."
    p = Path(sys.executable).parent / name
    if p.exists(): return str(p)
    found = shutil.which(name)
    if not found: pytest.fail(f"{name} is not installed: run `bash tools/setup.sh` first.")
    return found

@pytest.fixture
def root() -> Path:
    return ROOT
