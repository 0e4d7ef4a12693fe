"""The registry's own exceptions: the web maps them to HTTP statuses, the CLI to exit codes."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any


class RegistryError(Exception):
    """Base of every known failure; its message is one French sentence for the user."""


class UnknownSource(RegistryError):
    """Raised when a command names a source that `harvesters/sources.toml` does not list."""


class SourceUnavailable(RegistryError):
    """Raised when a source's file cannot be read: missing mirror file, network or HTTP error."""


class SourceQuarantined(RegistryError):
    """Raised when a harvest produced something unusable; the store is left untouched."""

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class StoreUnavailable(RegistryError):
    """Raised when the store cannot be opened (locked by another process, missing, unreadable)."""


class StorageUnavailable(StoreUnavailable):
    """Raised when the data directory cannot be written: disk full, or a read-only file system."""


# RocksDB's errors reach Python (through pyoxigraph) as OSError without errno: match the text.
_DISK_ERROR_TEXTS = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "Read-only file system": errno.EROFS,
}


def disk_error(error: OSError, path: Path | str | None) -> StorageUnavailable | None:
    """The French StorageUnavailable for a full disk or a read-only file system, else None."""
    code = error.errno
    if code not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        text = str(error)
        code = next((c for t, c in _DISK_ERROR_TEXTS.items() if t in text), None)
    where = path if path is not None else "le dossier de données"
    if code in (errno.ENOSPC, errno.EDQUOT):
        return StorageUnavailable(
            f"Espace disque insuffisant pour écrire dans {where} : libérez de la place, puis "
            "relancez la commande."
        )
    if code == errno.EROFS:
        return StorageUnavailable(
            f"Impossible d'écrire dans {where} : le disque est en lecture seule. Remontez-le en "
            "écriture (ou choisissez un autre TL_DATA_DIR), puis relancez la commande."
        )
    return None


class QueryRejected(RegistryError):
    """Raised for a SPARQL request the registry refuses: malformed, or an update."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class NotPublished(RegistryError):
    """Raised when the site is asked for data before any `tierslieux publish`."""


class ConfigurationError(RegistryError):
    """A configuration or curation file the registry cannot use (the message says where)."""
