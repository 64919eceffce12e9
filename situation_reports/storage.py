"""Where report files are kept: writing them whole or not at all, and whether the place works.

Report files live on the `reports` storage (settings.STORAGES["reports"]). A file is written
under a temporary name in its final directory, flushed to disk and then renamed: a full or
failing disk leaves no half-written PDF under the report's name, and the temporary file is
removed on the way out. `check()` is what /healthz reports about the storage.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages

logger = logging.getLogger(__name__)

# Faults of the storage that pass by themselves or once an operator acts (a disk fills up,
# a mount turns read-only, a network share goes away): the report is tried again later.
TRANSIENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM,
     errno.ESTALE, errno.EAGAIN}
)  # fmt: skip


def report_storage():
    return storages["reports"]


def is_transient_storage_error(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in TRANSIENT_ERRNOS


def _local_path(storage, name: str) -> Path | None:
    try:
        return Path(storage.path(name))
    except NotImplementedError:  # a remote storage backend: it writes whole objects itself
        return None


def store_atomically(name: str, data: bytes, storage=None) -> str:
    """Write `data` as `name` (replacing an older file of that name) and return the name.

    On a local file system the bytes go to a temporary file beside the target, are synced
    and then renamed over it, so the name holds either nothing, the old file or the whole
    new one. Any error removes the temporary file and is raised."""
    storage = storage or report_storage()
    target = _local_path(storage, name)
    if target is None:
        if storage.exists(name):
            storage.delete(name)
        return storage.save(name, ContentFile(data))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        with open(temporary, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return name


def file_present(name: str, storage=None) -> bool:
    """Whether the storage holds a file of that name (False when it cannot be asked)."""
    if not name:
        return False
    try:
        return (storage or report_storage()).exists(name)
    except OSError:
        logger.warning("Could not look up the report file %s", name, exc_info=True)
        return False


@dataclass
class StorageState:
    writable: bool
    free_bytes: int | None  # None where the backend does not say (remote storage)

    @property
    def enough_space(self) -> bool:
        minimum = settings.ODS_REPORTS_MIN_FREE_MB * 1024 * 1024
        return self.free_bytes is None or self.free_bytes >= minimum

    @property
    def up(self) -> bool:
        return self.writable and self.enough_space


def check(storage=None) -> StorageState:
    """Can a report be stored right now: a small file written, synced and removed, and the
    free space on the storage's file system (local storage only)."""
    storage = storage or report_storage()
    probe = f".healthz/{os.getpid()}-{uuid.uuid4().hex}"
    writable = True
    try:
        store_atomically(probe, b"ok", storage)
    except OSError:
        logger.warning("health: the report storage cannot be written", exc_info=True)
        writable = False
    finally:
        try:
            if storage.exists(probe):
                storage.delete(probe)
        except OSError:
            pass
    free = None
    root = _local_path(storage, "")
    if root is not None:
        try:
            free = shutil.disk_usage(root).free
        except OSError:
            free = 0
    return StorageState(writable=writable, free_bytes=free)
