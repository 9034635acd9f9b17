"""Keeping an upload in the import folder: all of it, or nothing. A disk (or quota) that fills up
while the file is written leaves no half file behind and is a :class:`StorageFull` (507) that says
so, instead of a 500; any other error of the disk stays one."""

from __future__ import annotations

import errno
import logging
import shutil
from pathlib import Path
from typing import BinaryIO

from saas.core.errors import StorageFull

log = logging.getLogger(__name__)

FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
MESSAGE = "The import folder is full: the file was not kept and nothing was imported. Try again later."


def save(stream: BinaryIO, target: Path) -> None:
    """Write ``stream`` to ``target``, a MiB at a time."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "wb") as out:
            shutil.copyfileobj(stream, out, length=1 << 20)
    except OSError as error:
        target.unlink(missing_ok=True)
        if error.errno not in FULL:
            raise
        log.error("import folder full: %s not kept (%s)", target.name, error.strerror)
        raise StorageFull(MESSAGE, {"file": [MESSAGE]}) from None
