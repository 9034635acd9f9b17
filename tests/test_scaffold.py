"""``flask modules new``: the package it writes installs with pip, migrates, and passes its own
tests, run as its author would run them (pytest in its folder, Retain's fixtures plugin)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import PG_ADMIN_URL


def new_module(app, *args):
    return app.test_cli_runner().invoke(args=["modules", "new", *args])


def test_a_new_module_installs_with_pip_migrates_and_passes_its_own_tests(app, database, tmp_path):
    result = new_module(app, "referrals", "--path", str(tmp_path))
    assert result.exit_code == 0, result.output
    project = tmp_path / "retain-referrals"
    site = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                          str(project)], capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr
    assert (site / "retain_referrals" / "migrations" / "referrals_0001.py").is_file()
    assert (site / "retain_referrals" / "templates" / "referrals" / "items.html").is_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "RETAIN_TEST_", "FLASK_"))}
    env["PYTHONPATH"] = str(site)  # the installed copy, not the folder it was written to
    options = []
    if database.kind == "postgresql":
        env["RETAIN_TEST_PG_ADMIN_URL"] = PG_ADMIN_URL
        options = ["--retain-postgres"]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error::DeprecationWarning",
                          *options], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert run.stdout.splitlines()[-1].startswith("6 passed")


@pytest.mark.backend_independent
@pytest.mark.parametrize("name, message", [
    ("Referrals", "is not a module name"),
    ("2fa", "is not a module name"),
    ("double__underscore", "is not a module name"),
    ("a_name_that_is_far_too_long", "at most 20 characters"),
    ("class", "is a Python keyword"),
    ("loyalty", "the name 'loyalty' is taken"),
    ("web", "the name 'web' is taken"),
])
def test_a_bad_name_is_a_clear_error_and_writes_nothing(app, tmp_path, name, message):
    result = new_module(app, name, "--path", str(tmp_path))
    assert result.exit_code == 1 and message in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.backend_independent
def test_an_existing_folder_is_left_alone_and_a_missing_one_is_an_error(app, tmp_path):
    (tmp_path / "retain-referrals").mkdir()
    (tmp_path / "retain-referrals" / "mine.txt").write_text("keep me")
    result = new_module(app, "referrals", "--path", str(tmp_path))
    assert result.exit_code == 1 and "exists already" in result.output
    assert [p.name for p in tmp_path.rglob("*")] == ["retain-referrals", "mine.txt"]
    missing = new_module(app, "referrals", "--path", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1 and "is not a folder" in missing.output
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.backend_independent
def test_flask_modules_and_flask_modules_list_list_the_installed_modules(app):
    plain = app.test_cli_runner().invoke(args=["modules"])
    listed = app.test_cli_runner().invoke(args=["modules", "list"])
    assert plain.exit_code == 0 and plain.output == listed.output
    assert sorted(line.split("\t")[0] for line in listed.output.splitlines()) == ["birthdays", "churn", "complaints", "loyalty", "surveys", "visits"]
