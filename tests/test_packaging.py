"""The wheel holds everything Retain runs with: templates at any depth, static files, catalogues,
the scaffold's templates and the core's migrations (so `flask --app saas.app db upgrade` works
from an installed Retain, not only from a checkout)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = ("saas", "tenants", "plugins", "migrations")


def test_the_wheel_holds_every_file_of_the_packages_and_nothing_else(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("retain-*.whl")
    packaged = {name for name in zipfile.ZipFile(wheel).namelist() if ".dist-info/" not in name}
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", *PACKAGED],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert "migrations/versions/0001_core.py" in packaged and "migrations/alembic.ini" in packaged
    assert sorted(set(files) - packaged) == []
    assert sorted(packaged - set(files)) == []
