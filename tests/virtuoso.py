"""A real OpenLink Virtuoso for the tests: Debian's `virtuoso-opensource`, on loopback.

`start()` fills `deploy/virtuoso/virtuoso.ini` with a temporary folder and two free ports, runs
`virtuoso-t -f`, waits for `/sparql`, and grants SPARQL updates to its anonymous SPARQL user
(a test instance only: docs/remote-store.md says how a real one is secured). `.ci/run` installs
the package; without it the tests that need Virtuoso are skipped with that reason.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parent.parent
INI = ROOT / "deploy" / "virtuoso" / "virtuoso.ini"
SERVER = "virtuoso-t"
ISQL = "isql-vt"


@dataclass
class Virtuoso:
    """A running instance: its URLs, and the process to stop."""

    sparql: str
    graph_store: str
    process: subprocess.Popen[bytes]
    folder: Path
    log: IO[bytes]

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL)."""
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()


def missing() -> str:
    """Why Virtuoso cannot run here ("" when it can)."""
    for program in (SERVER, ISQL):
        if shutil.which(program) is None:
            return f"{program} not found: apt-get install virtuoso-opensource (.ci/run does)"
    return ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(folder: Path, wait_s: float = 90) -> Virtuoso:
    """Start a fresh instance in `folder` and return it once `/sparql` answers."""
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = _free_port(), _free_port()
    ini = INI.read_text(encoding="utf-8")
    ini = ini.replace("{dir}", str(folder)).replace("{sql_port}", str(sql_port))
    ini = ini.replace("{http_port}", str(http_port))
    (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
    log = (folder / "console.log").open("wb")
    process = subprocess.Popen(
        [SERVER, "-f", "-c", str(folder / "virtuoso.ini")],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{http_port}"
    instance = Virtuoso(f"{base}/sparql", f"{base}/sparql-graph-crud", process, folder, log)
    deadline = time.monotonic() + wait_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited: {(folder / 'console.log').read_text()[-2000:]}")
        try:
            if requests.get(instance.sparql, params={"query": "ASK {}"}, timeout=5).ok:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            instance.stop()
            raise RuntimeError(f"Virtuoso did not answer within {wait_s:.0f} s")
        time.sleep(0.5)
    grants = 'GRANT SPARQL_UPDATE TO "SPARQL";'
    subprocess.run(
        [ISQL, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={grants}"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return instance
