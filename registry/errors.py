"""The registry's own exceptions: the web maps them to HTTP statuses, the CLI to exit codes."""

from __future__ import annotations

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


class QueryRejected(RegistryError):
    """Raised for a SPARQL request the registry refuses: malformed, or an update."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class NotPublished(RegistryError):
    """Raised when the site is asked for data before any `tierslieux publish`."""


class ConfigurationError(RegistryError):
    """A configuration or curation file the registry cannot use (the message says where)."""
