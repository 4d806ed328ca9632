"""Writing files so that a crash or a full disk never leaves a half-written output behind."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: str | os.PathLike[str], *, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; on success it replaces ``path``.

    For writers that want a file name (pyreadstat, pyarrow): the temporary file is fsynced and
    renamed into place, which is atomic on POSIX and Windows, so readers see the old file or the
    new one, never a mixture, and an existing file is left untouched if anything fails.

    Missing directories of ``path`` are created. An error names ``path`` (never the temporary
    file, which is removed whatever happens, Ctrl-C included).

    The temporary file is new and unpredictable (``mkstemp``: ``O_EXCL``, mode 0600), so a
    planted symlink or a leftover file is never written through. ``mode`` fixes the permissions
    of the result (``0o600`` for a file holding a token); by default an existing file keeps its
    own and a new one gets the usual ``0666 & ~umask``.
    """
    target = Path(path)
    for parent in (target.parent, *target.parent.parents):
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{parent} is not a directory", str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _about(exc, target) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _about(exc, target) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _about(exc: OSError, target: Path) -> OSError:
    """The same error, naming the file the user asked for instead of our temporary file."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(target))


def write_atomic(
    path: str | os.PathLike[str], data: str | bytes, *, mode: int | None = None
) -> None:
    """Write ``data`` to ``path`` through :func:`replacing` (``mode``: see there)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with replacing(path, mode=mode) as tmp:
        tmp.write_bytes(payload)
