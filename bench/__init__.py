"""Benchmarks of the registry (not timed tests): run with `make bench`, see bench/README.md."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def environment(code: str, libraries: dict[str, str]) -> list[str]:
    """Where and on what a benchmark ran: to read the figures, not to compare them.

    `code` is the module under test (its uncommitted changes are flagged); `libraries` maps
    the names of the libraries that matter to their versions.
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", code],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit, dirty = "", ""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    versions = ", ".join(f"{name} {version}" for name, version in libraries.items())
    return [
        f"- run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}"
        + (f" ({code} modified)" if dirty else ""),
        f"- Python {platform.python_version()}, {versions}, {platform.machine()},"
        f" {os.cpu_count()} CPUs, load average {load} at start",
    ]


def write_report(text: str, out: str | Path) -> None:
    """Print a benchmark's Markdown report and write it to `out`."""
    print(text)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
