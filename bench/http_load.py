"""HTTP throughput under load from a second process: wrk against the production server.

Run `python -m bench.http_load [--seconds 10] [--connections 16] [--out FILE]`. Serves the
published demo registry of `TL_DATA_DIR` (harvested and published first when there is none) with
`tierslieux serve --workers 2` (gunicorn, 4 threads each), and loads it with `wrk` (Debian's
package) for `--seconds` per route: the liveness probe `/sante` (the hello-world baseline of the
same app and server), place pages `/lieu/{id}` (200 places in turn), near-home searches
`/api/lieux?pres=…` (50 points in turn) and `/sparql` ASK. Then the same ASK against
rdflib-endpoint (the reference Python SPARQL endpoint, uvicorn) serving the registry graph
(`lieux.nt.gz` of the newest dumps: a smaller graph than ours, which favours it).

Every URL is asked twice before the load (each worker keeps a place page's data until the
next publication): the figures are those of a warm server.

Budgets (issue 9): `/lieu` ≥ 50 % and `/api/lieux` ≥ 30 % of `/sante`'s requests/s, `/sparql`
ASK ≥ 2 × rdflib-endpoint's, 0 errors. wrk runs on the same 2 CPUs as the server: both sides of
each ratio share that handicap. Exits 1 when a route answers errors.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests

from bench import environment, write_report
from bench.pages import ensure_published
from bench.synthetic import query_points
from registry.dumps import dumps_root, latest_stamp
from registry.publication import SnapshotFollower
from registry.settings import Settings
from registry.web import context, create_app

ASK = "ASK { ?p a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> }"
LUA = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""


@dataclass
class Load:
    """What wrk measured for one route."""

    route: str
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers and socket errors


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}) before answering {url}")
        try:
            if requests.get(url, timeout=30).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(base: str, route: str, paths: list[str], seconds: int, connections: int) -> Load:
    """Load `base` with `paths` in turn for `seconds`; wrk's figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(f'"{p}"' for p in paths))
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
               "-s", script.name, base]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(script.name).unlink()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    done = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", output, re.M))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Load(route, rate, _ms(latency["50"]), _ms(latency["90"]), _ms(latency["99"]), done,
                errors)  # fmt: skip


def sample_paths(settings: Settings, seed: int) -> dict[str, list[str]]:
    """The URLs each route cycles over."""
    app = create_app(settings)
    with app.app_context():
        entries = [e.id for e in context.place_index().entries]
    chooser = random.Random(seed)  # noqa: S311 - a sample of pages, not a secret
    places = chooser.sample(entries, min(200, len(entries)))
    points = query_points(50, seed)
    return {
        "/sante (hello world)": ["/sante"],
        "/lieu/{id}": [f"/lieu/{p}" for p in places],
        "/api/lieux (près de chez moi)": [
            f"/api/lieux?pres={lat:.4f},{lon:.4f}&rayon=30" for lat, lon in points
        ],
        "/sparql ASK": [f"/sparql?query={quote(ASK)}"],
    }


def serve_registry(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    tierslieux = Path(sys.executable).with_name("tierslieux")
    return subprocess.Popen(
        [str(tierslieux), "serve", "--port", str(port), "--workers", "2"],
        # wrk is one client from loopback: the per-client rate limits would answer 429 at once
        env={**os.environ, "TL_SPARQL_PER_MINUTE": "0", "TL_API_PER_MINUTE": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def serve_rdflib_endpoint(settings: Settings, port: int, folder: Path) -> subprocess.Popen[bytes]:
    stamp = latest_stamp(settings)
    if stamp is None:
        raise SystemExit("no dumps published: run tierslieux publish")
    data = folder / "lieux.nt"
    with gzip.open(dumps_root(settings) / stamp / "lieux.nt.gz", "rb") as source:
        data.write_bytes(source.read())
    program = Path(sys.executable).with_name("rdflib-endpoint")
    return subprocess.Popen(
        [str(program), "serve", "--host", "127.0.0.1", "--port", str(port), str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server and its workers (its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", default="var/bench/http-load.md")
    options = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    settings = Settings.from_env()
    ensure_published(settings)
    SnapshotFollower(settings).store()  # fails clearly when nothing is published
    paths = sample_paths(settings, options.seed)
    loads: list[Load] = []
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve_registry(settings, port)
    try:
        wait_for(f"{base}/sante", server)
        # every URL twice (each of the 2 workers keeps its own per-publication caches): the
        # figures are those of a warm server; a cold place page costs one store read more
        for urls in paths.values():
            for url in urls * 2:
                requests.get(base + url, timeout=120)
        for route, urls in paths.items():
            print(f"wrk {route}…", file=sys.stderr, flush=True)
            loads.append(run_wrk(base, route, urls, options.seconds, options.connections))
    finally:
        stop(server)
    with tempfile.TemporaryDirectory(prefix="bench-rdflib-endpoint-") as folder:
        port = free_port()
        print("rdflib-endpoint: loading the registry graph…", file=sys.stderr, flush=True)
        endpoint = serve_rdflib_endpoint(settings, port, Path(folder))
        try:
            # rdflib-endpoint's CLI serves its SPARQL endpoint at "/"
            wait_for(f"http://127.0.0.1:{port}/?query={quote(ASK)}", endpoint, 900)
            loads.append(run_wrk(f"http://127.0.0.1:{port}", "rdflib-endpoint ASK",
                                 [f"/?query={quote(ASK)}"], options.seconds,
                                 options.connections))  # fmt: skip
        finally:
            stop(endpoint)
    by_route = {load.route: load for load in loads}
    hello = by_route["/sante (hello world)"].requests_per_s
    budgets = [
        ("/lieu/{id} ≥ 50 % of hello world", by_route["/lieu/{id}"].requests_per_s / hello, 0.5),
        ("/api/lieux near home ≥ 30 % of hello world",
         by_route["/api/lieux (près de chez moi)"].requests_per_s / hello, 0.3),
        ("/sparql ASK ≥ 2 × rdflib-endpoint", by_route["/sparql ASK"].requests_per_s
         / by_route["rdflib-endpoint ASK"].requests_per_s, 2.0),
    ]  # fmt: skip
    errors = sum(load.errors for load in loads)
    lines = [
        "# HTTP throughput under load (wrk)",
        "",
        *environment("registry/web", {"wrk": "Debian", "gunicorn": "2 workers × 4 threads"}),
        f"- wrk -t2 -c{options.connections} -d{options.seconds}s on the same machine",
        "",
        "| route | req/s | ratio to hello world | p50 ms | p90 ms | p99 ms | requests | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {x.route} | {x.requests_per_s:,.0f} | {x.requests_per_s / hello:.2f} | "
            f"{x.p50_ms:.1f} | {x.p90_ms:.1f} | {x.p99_ms:.1f} | {x.requests:,} | {x.errors} |"
            for x in loads
        ),
        "",
        "| budget | measured | met |",
        "|---|---:|---|",
        *(
            f"| {name} | {value:.2f} | {'yes' if value >= goal else 'NO'} |"
            for name, value, goal in budgets
        ),
        f"| 0 errors | {errors} | {'yes' if errors == 0 else 'NO'} |",
        "",
    ]
    write_report("\n".join(lines), options.out)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
