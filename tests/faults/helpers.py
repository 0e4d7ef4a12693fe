"""Helpers of the fault tests: a changed copy of the real CGET base, the CLI in a subprocess."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import requests
from markupsafe import escape

from registry.settings import Settings

from ..conftest import CGET_CSV, fixture_mirror, real_settings

RENAMED = "Lieu renommé par le test"


def changed_copy(source: Path, target: Path) -> int:
    """The CGET file with one name in five edited and one row in ten dropped; rows written."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    kept = [row for index, row in enumerate(rows) if index % 10 != 9]
    for index, row in enumerate(kept):
        if index % 5 == 0:
            row["NOM_TL"] = f"{RENAMED} {index}"
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return len(kept)


def tierslieux_process(settings: Settings, *arguments: str) -> subprocess.Popen[bytes]:
    """`tierslieux ARGUMENTS…` over `settings`' data, in a subprocess (output piped)."""
    environment = {
        **os.environ,
        "TL_DATA_DIR": settings.data_dir,
        "TL_MIRROR_DIR": settings.mirror_dir,
        "TL_BASE_URI": settings.base_uri,
    }
    tierslieux = Path(sys.executable).with_name("tierslieux")
    return subprocess.Popen(
        [str(tierslieux), *arguments],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def map_places(url: str) -> list[dict[str, object]]:
    """Every place the site at `url` shows on its map, each of their pages answering 200."""
    response = requests.get(f"{url}carte.json", timeout=10)
    assert response.status_code == 200
    places = sorted(response.json(), key=lambda place: str(place["id"]))
    for place in places:
        page = requests.get(f"{url}lieu/{place['id']}", timeout=10)
        assert page.status_code == 200
        assert escape(str(place["nom"])) in page.text
    return places


def real_cget_settings(root: Path) -> tuple[Settings, Path]:
    """Settings of a registry in `root`: the small fixture geography and the real CGET base.

    Returns them and the real CGET file (the mirror holds a copy a test may change).
    """
    settings = real_settings(root / "var")
    real_csv = Path(settings.mirror_dir) / CGET_CSV
    mirror = fixture_mirror(root / "mirror")
    shutil.copy(real_csv, mirror / CGET_CSV)
    return replace(settings, mirror_dir=str(mirror)), real_csv
