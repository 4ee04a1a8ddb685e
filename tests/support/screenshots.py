"""Where browser tests leave their screenshots: in the committed folders (the README links them) only
when asked with E2E_SCREENSHOTS=1, else in a scratch folder, so a test run leaves the tree as it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.settings import PROJECT_ROOT

DOCS = "docs/screenshots"
E2E = "tests/e2e/screenshots"


def screenshot_path(folder: str, name: str) -> Path:
    root = PROJECT_ROOT if os.environ.get("E2E_SCREENSHOTS") == "1" else Path(tempfile.gettempdir()) / "ii-screens"
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
