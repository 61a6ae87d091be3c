"""The one place stepgrad writes and reads user files: atomic writes, bounded reads.

Kept in ``autograd`` (stdlib only) so that ``nn`` (model files) and ``viz`` (drawings, pages)
share it without ``viz`` importing ``nn`` and numpy at start-up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

__all__ = ["check_targets", "read_limited", "write_all", "write_atomic"]

_Path = str | PathLike[str]


def write_atomic(path: _Path, data: bytes | str) -> None:
    """Write ``data`` (str as UTF-8) to ``path``: readers see the old file or the new, never half.

    The data goes to a temporary file in the same directory, is flushed to disk, then
    ``os.replace`` swaps it in (atomic on POSIX and Windows); on any error the temporary file
    is removed and the old file is untouched. A symlink is written through: its target is
    replaced and the link kept. A read-only file, a directory, a device and a symlink loop are
    refused. Temporary files left by a killed writer are removed on the next save.
    """
    write_all([(path, data)])


def write_all(items: Sequence[tuple[_Path, bytes | str]]) -> None:
    """Write several files atomically, all or none: every target is checked and every temporary
    file written before the first is renamed into place; two items naming one file are refused."""
    targets = check_targets([path for path, _ in items])
    staged: list[tuple[str, Path]] = []
    try:
        for (given, data), target in zip(items, targets, strict=True):
            staged.append((_stage(given, target, data), target))
        for tmp, target in staged:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


def check_targets(paths: Sequence[_Path]) -> list[Path]:
    """The files that writing ``paths`` would replace, or the error writing would give (a
    directory, a device, a read-only file, a missing directory, a symlink loop, one file named
    twice), before anything is written."""
    targets = [_target(path) for path in paths]
    seen: dict[Path, _Path] = {}
    for given, target in zip(paths, targets, strict=True):
        if target in seen:
            both = (f"{given} is named twice" if str(given) == str(seen[target])
                    else f"{seen[target]} and {given} name the same file")
            raise ValueError(f"cannot write {both}; give each output its own file")
        seen[target] = given
    return targets


def read_limited(path: _Path, limit: int, *, verb: str = "read") -> bytes:
    """The bytes of the regular file ``path`` (symlinks followed), at most ``limit`` of them;
    anything else (a directory, a pipe, a device, a bigger file) is refused with a message
    that starts ``cannot {verb} {path}``."""
    try:
        info = os.stat(path)
    except OSError as err:
        raise type(err)(f"cannot {verb} {path}: {err.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(f"cannot {verb} {path}: it is a directory; give a file's name")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"cannot {verb} {path}: it is not a regular file (a device, pipe or "
                         "socket)")
    if info.st_size > limit:
        raise ValueError(f"cannot {verb} {path}: it is {info.st_size:,} bytes, more than the "
                         f"limit of {limit:,}")
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:  # grew since stat
        raise ValueError(f"cannot {verb} {path}: it is more than {limit:,} bytes")
    return data


def _target(given: _Path) -> Path:
    """The regular file that writing ``given`` replaces (a symlink's target), checked."""
    if os.path.islink(given):
        try:
            os.stat(given)
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise OSError(errno.ELOOP, f"cannot write {given}: it is a symlink loop",
                              str(given)) from None
    path = Path(os.path.realpath(given))
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {given}: it is a directory; give a file name")
    if path.exists() and not path.is_file():  # renaming over it would replace the device
        raise OSError(f"cannot write {given}: it is not a regular file (a device, pipe or "
                      "socket); give a file name")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {given}: directory {path.parent} does not exist")
    if path.exists() and not (path.stat().st_mode & 0o222 and os.access(path, os.W_OK)):
        raise PermissionError(errno.EACCES, f"cannot write {given}: it is read-only", str(given))
    return path


def _stage(given: _Path, path: Path, data: bytes | str) -> str:
    """``data`` written and flushed to a new temporary file beside ``path``; its name."""
    _clean_stale(path)
    # a new file gets what the umask gives any new file (open applies it), an old one its mode
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666
    tmp = str(path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except PermissionError:  # its message would name the temporary file
        raise PermissionError(errno.EACCES, f"directory {path.parent} is not writable",
                              str(given)) from None
    try:
        with open(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def _clean_stale(path: Path) -> None:
    """Remove temporary files of ``path`` whose writer (same machine) no longer runs."""
    start = f".{path.name}."
    with contextlib.suppress(OSError):
        for name in os.listdir(path.parent):
            pid = name[len(start) :].split(".")[0]
            if (name.startswith(start) and name.endswith(".tmp") and pid.isdigit()
                    and int(pid) > 0 and not _alive(int(pid))):
                with contextlib.suppress(OSError):
                    os.unlink(path.parent / name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists
        return True
    return True
