"""Public SPARQL queries in worker processes that can be killed at a deadline.

pyoxigraph cannot interrupt a query (DESIGN §12): a runaway query keeps its thread busy until it
ends. So the endpoint hands each query of a published snapshot to one of a few worker
processes; at the deadline that worker is killed and replaced, and the user gets an error that
says why, while the other workers go on answering. A worker opens the snapshot read-only (as
the web workers do), runs the query with `run_query`'s checks and writes the answer in the
media type asked for, at most `max_bytes` of it.

Each web process has its own pool, started at its first query; the workers are spawned (not
forked: the web process may hold threads and an open RocksDB) and exit when their pipe closes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from .errors import QueryRejected, StoreUnavailable
from .store import OxigraphStore, QueryResult

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Answer:
    """A query's answer, written: its kind, media type and bytes."""

    kind: str
    media_type: str
    body: bytes


class ResultTooLarge(QueryRejected):
    """The answer would exceed the size the endpoint sends."""


class _Capped:
    """A binary sink that refuses to grow past `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise ResultTooLarge(too_large_message(self.limit), status=413)
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush (pyoxigraph calls it)."""


def too_large_message(limit: int) -> str:
    """The French explanation of a result over `limit` bytes."""
    megabytes = f"{limit / 1e6:.0f}" if limit >= 1e6 else f"{limit / 1e6:.2f}"
    return (
        f"Résultat trop volumineux : ce point d'accès envoie au plus {megabytes} Mo par réponse. "
        "Ajoutez LIMIT et OFFSET pour le lire par pages, ou téléchargez les exports complets "
        "(/donnees/latest/)."
    )


def write_answer(result: QueryResult, media_types: Mapping[str, str], max_bytes: int) -> Answer:
    """Serialise `result` in the media type chosen for its kind, refusing more than `max_bytes`."""
    media_type = media_types[result.kind]
    sink = _Capped(max_bytes)
    result.write(sink, media_type)
    return Answer(result.kind, media_type, b"".join(sink.parts))


def _serve(connection: Connection) -> None:
    """A worker's loop: one request in, one answer out, until the pipe closes."""
    from .sparql import run_query

    stores: dict[str, OxigraphStore] = {}
    connection.send(("ready", os.getpid()))
    while True:
        try:
            path, text, defaults, named, media_types, max_bytes = connection.recv()
        except (EOFError, OSError):
            return
        try:
            if path not in stores:
                stores.clear()  # one snapshot at a time: a new publication replaces the old
                stores[path] = OxigraphStore(Path(path), read_only=True)
            result = run_query(stores[path], text, defaults, named)
            reply: tuple[Any, ...] = ("ok", write_answer(result, media_types, max_bytes))
        except QueryRejected as error:
            reply = ("rejected", str(error), error.status)
        except StoreUnavailable as error:
            reply = ("rejected", str(error), 503)
        except Exception as error:  # reported to the parent, which logs it
            reply = ("failed", f"{type(error).__name__}: {error}")
        try:
            connection.send(reply)
        except (EOFError, OSError):
            return


class _Worker:
    def __init__(self) -> None:
        self.connection, child = _CONTEXT.Pipe()
        self.process: BaseProcess = _CONTEXT.Process(
            target=_serve, args=(child,), daemon=True, name="tl-sparql"
        )
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, deadline: float) -> bool:
        if not self.ready:
            try:
                if not self.connection.poll(max(0.0, deadline - time.monotonic())):
                    return False
                message = self.connection.recv()
            except (EOFError, OSError):  # the worker died while starting
                return False
            self.ready = message[0] == "ready"
        return self.ready

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class QueryPool:
    """`size` worker processes answering queries on snapshots, each within `timeout` seconds."""

    def __init__(self, size: int, timeout: float, max_bytes: int) -> None:
        self.size, self.timeout, self.max_bytes = size, timeout, max_bytes
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = 0
        self._pid = os.getpid()

    def _take(self, deadline: float) -> _Worker:
        with self._lock:
            if self._started < self.size and self._idle.empty():
                self._started += 1
                return _Worker()
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise QueryRejected(busy_message(self.timeout), status=503) from None

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        self._idle.put(_Worker())  # started now, ready by the time the next query comes

    def run(
        self,
        path: Path,
        text: str,
        default_graphs: Iterable[str],
        named_graphs: Iterable[str],
        media_types: Mapping[str, str],
    ) -> Answer:
        """Answer `text` on the snapshot at `path`, or raise QueryRejected (timeout: 503)."""
        if os.getpid() != self._pid:
            raise RuntimeError("a QueryPool belongs to the process that created it")
        start = time.monotonic()
        # Starting a worker (imports, opening the snapshot) is not the query's time.
        worker = self._take(start + self.timeout)
        if not worker.wait_ready(time.monotonic() + 60):
            self._replace(worker)
            raise QueryRejected("Le service de requêtes n'a pas démarré ; réessayez.", status=503)
        request = (str(path), text, list(default_graphs), list(named_graphs), dict(media_types),
                   self.max_bytes)  # fmt: skip
        started = time.monotonic()
        try:
            worker.connection.send(request)
            answered = worker.connection.poll(self.timeout)
            reply = worker.connection.recv() if answered else None
        except (EOFError, OSError) as error:
            log.error("SPARQL worker %s died: %s", worker.process.pid, error)
            self._replace(worker)
            raise QueryRejected(
                "Le service de requêtes s'est interrompu pendant cette requête ; réessayez.",
                status=503,
            ) from None
        if reply is None:
            log.warning("SPARQL query stopped after %.1f s: %.200r", self.timeout, text)
            self._replace(worker)
            raise QueryRejected(timeout_message(self.timeout), status=503)
        self._idle.put(worker)
        log.debug("SPARQL query answered in %.3f s", time.monotonic() - started)
        if reply[0] == "ok":
            answer: Answer = reply[1]
            return answer
        if reply[0] == "rejected":
            raise QueryRejected(reply[1], status=reply[2])
        raise RuntimeError(f"SPARQL worker failed: {reply[1]}")

    def close(self) -> None:
        """Stop every idle worker (tests; the workers also exit with their parent)."""
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                return


def timeout_message(seconds: float) -> str:
    """The French explanation of a query stopped at the deadline."""
    return (
        f"Requête interrompue : elle a dépassé le délai de {seconds:g} s accordé à chaque "
        "requête. Restreignez-la (filtres, LIMIT) ou téléchargez les exports complets "
        "(/donnees/latest/) pour l'exécuter chez vous."
    )


def busy_message(seconds: float) -> str:
    """The French explanation of a query that found no free worker in time."""
    return (
        f"Le point d'accès est saturé : aucune requête n'a pu démarrer en {seconds:g} s. "
        "Réessayez dans un instant."
    )
