"""``flask modules new NAME``: a new module's package, written from the templates beside this file.

Each file of ``template/`` ending in ``.tmpl`` is a :class:`string.Template` (``$name``,
``$package``, ...); ``PACKAGE`` and ``NAME`` in its path are replaced too. Everything is rendered
before anything is written, and written into a temporary folder that is renamed into place at the
end, so a bad name or a failure halfway leaves nothing behind.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import string
import tempfile
from pathlib import Path

TEMPLATE = Path(__file__).parent / "template"
# A module's name prefixes its tables and constraints (PostgreSQL's names stop at 63 characters).
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
MAX_NAME = 20


class ScaffoldError(ValueError):
    """The name or the folder cannot take a new module; nothing was written."""


def check_name(name: str, taken: set[str] = frozenset()) -> None:
    if not NAME_PATTERN.fullmatch(name) or len(name) > MAX_NAME:
        raise ScaffoldError(f"'{name}' is not a module name: lower-case letters, digits and single underscores, "
                            f"starting with a letter, at most {MAX_NAME} characters (e.g. 'referrals')")
    if keyword.iskeyword(name):
        raise ScaffoldError(f"'{name}' is a Python keyword")
    if name in taken:
        raise ScaffoldError(f"the name '{name}' is taken: a module or blueprint of this application has it")


def values(name: str) -> dict[str, str]:
    return {
        "name": name,
        "package": f"retain_{name}",
        "dist": f"retain-{name.replace('_', '-')}",
        "title": name.replace("_", " ").capitalize(),
        "camel": "".join(part.capitalize() for part in name.split("_")),
    }


def render(name: str) -> dict[str, str]:
    """``{relative path: text}`` of the new module's files."""
    given = values(name)
    files = {}
    for source in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = source.relative_to(TEMPLATE).as_posix().removesuffix(".tmpl")
        relative = relative.replace("PACKAGE", given["package"]).replace("NAME", name)
        files[relative] = string.Template(source.read_text(encoding="utf-8")).substitute(given)
    return files


def write(name: str, parent: Path, taken: set[str] = frozenset()) -> Path:
    """Write the module ``name`` into ``parent/retain-<name>``; that folder, made now."""
    check_name(name, taken)
    parent = Path(parent)
    if not parent.is_dir():
        raise ScaffoldError(f"{parent} is not a folder")
    target = parent / values(name)["dist"]
    if target.exists():
        raise ScaffoldError(f"{target} exists already: choose another name or --path")
    files = render(name)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=parent))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp's is 0700: the folder gets a new folder's mode
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
