"""Safe file writes: atomic replacement with unique temporary names, and cross-process locks.

Every file the suite writes that a reader may open at the same time (the report index, a run's
``run.json``, ``report.html``) goes through :func:`atomic_write_text`: the content is written
to a temporary file with a unique name in the same folder and moved over the target with
:func:`os.replace`, so a reader sees the old file or the new one, never a partial one, and
concurrent writers never share a temporary file. :func:`file_lock` serialises writers across
processes portably (``filelock``: ``fcntl`` on Unix, ``msvcrt`` on Windows).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock


def atomic_write_text(target: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (unique temporary file, then ``os.replace``)."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


@contextlib.contextmanager
def file_lock(path: Path, timeout: float = 600) -> Iterator[None]:
    """Hold an exclusive cross-process lock on ``path`` (created if needed) for the block."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path), timeout=timeout):
        yield
