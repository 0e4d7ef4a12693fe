"""Triple stores behind one protocol: Oxigraph embedded (on disk or in memory) by default.

Each source lives in its own named graph, replaced in one transaction; queries see the union of
all graphs as their default graph (DESIGN §4, §7).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Literal, Protocol, cast

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.term import Node

from .errors import QueryRejected, StoreUnavailable, disk_error
from .namespaces import bind_prefixes
from .settings import Settings

log = logging.getLogger(__name__)

Row = dict[str, Node]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
ResultKind = Literal["bindings", "boolean", "graph"]


class Writable(Protocol):
    """Where a result can be written: a binary file, or any object with `write(bytes)`."""

    def write(self, data: bytes, /) -> int:
        """Write `data`; return how many bytes were written."""
        ...


@dataclass
class QueryResult:
    """The answer to a SPARQL query, ready to be written in any standard format.

    Graph results are Oxigraph's iterator, or a list of triples (what a remote store answered).
    """

    kind: ResultKind
    _result: ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean | list[ox.Triple]

    def serialize(self, media_type: str) -> bytes:
        """Write the result in `media_type` (a SPARQL results or RDF media type)."""
        buffer = io.BytesIO()
        self.write(buffer, media_type)
        return buffer.getvalue()

    def write(self, output: Writable, media_type: str) -> None:
        """Write the result in `media_type` to `output`, as it is produced (no copy in memory).

        `output` needs only `write(bytes)` (pyoxigraph's stubs ask for a whole IO[bytes]).
        """
        sink = cast(IO[bytes], output)
        if isinstance(self._result, list):
            rdf_format = ox.RdfFormat.from_media_type(media_type)
            ox.serialize(self._result, sink, rdf_format)
        elif isinstance(self._result, ox.QueryTriples):
            self._result.serialize(sink, format=ox.RdfFormat.from_media_type(media_type))
        else:
            self._result.serialize(sink, format=ox.QueryResultsFormat.from_media_type(media_type))


class Store(Protocol):
    """What code may ask of a triple store. Each source lives in its own named graph."""

    @property
    def path(self) -> Path | None:
        """The store's directory on this machine (snapshots are taken of it), or None."""
        ...

    @property
    def persistent(self) -> bool:
        """Whether the data outlives this process (then publish writes the dumps)."""
        ...

    def count(self, graph: URIRef | None = None) -> int:
        """Number of triples in one named graph, or quads in the whole store."""
        ...

    def select(
        self,
        query: str,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Iterable[URIRef] = (),
        prefixes: Mapping[str, str] | None = None,
    ) -> list[Row]:
        """Run a SELECT query; rows map variable names to terms.

        The default graph is the union of all graphs, or of `default_graphs` when given.
        """
        ...

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool:
        """Run an ASK query over the union of all graphs."""
        ...

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query over the union of all graphs."""
        ...

    def query(
        self,
        query: str,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
    ) -> QueryResult:
        """Run any read query as the SPARQL protocol asks it (the endpoint's entry point)."""
        ...

    def replace_graphs(
        self, replace: Mapping[URIRef, Graph], add: Mapping[URIRef, Graph] | None = None
    ) -> None:
        """Replace whole named graphs and add triples to others, all in one transaction."""
        ...

    def patch_graphs(
        self,
        patches: Mapping[URIRef, tuple[Graph, Graph]],
        add: Mapping[URIRef, Graph] | None = None,
    ) -> None:
        """Remove then add triples in named graphs ((removed, added) per graph), one transaction."""
        ...

    def rebuild_graphs(self, graphs: Mapping[URIRef, Graph | bytes]) -> None:
        """Replace graphs derived from the others (fast, not transactional)."""
        ...

    def recoverable(self) -> AbstractContextManager[None]:
        """A block of writes that a killed process leaves undone (see OxigraphStore)."""
        ...

    def construct_nt(self, query: str) -> str:
        """Run a CONSTRUCT over the union of all graphs; the triples as N-Triples text."""
        ...

    def graph_names(self) -> list[URIRef]:
        """The named graphs the store holds."""
        ...

    def dump(
        self,
        out: BinaryIO,
        media_type: str = "application/n-quads",
        graph: URIRef | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        """Write every quad of the store to `out`, or the triples of one `graph`."""
        ...


def _to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:  # RDF 1.1: a plain literal is an xsd:string
            return RdfLiteral(term.value)
        return RdfLiteral(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"RDF-star triples are not supported here: {term}")


def solution_rows(result: ox.QuerySolutions) -> list[Row]:
    """SELECT solutions as rows mapping variable names to rdflib terms (unbound left out)."""
    names = [v.value for v in result.variables]
    return [
        {name: _to_rdflib(value) for name, value in zip(names, row, strict=True) if value}
        for row in result
    ]


def _to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot bind {term!r}")


class OxigraphStore:
    """The embedded store: a pyoxigraph Store on disk (RocksDB) or in memory."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only  # a published snapshot: other processes may open it too
        self._recovering = False  # inside `recoverable`
        self.persistent = path is not None
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))  # takes RocksDB's lock: the only writer
                if _recovery_paths(path)[1].exists():
                    self._store = self._recover(path)
        except OSError as error:
            if (disk := disk_error(error, path)) is not None:
                raise disk from error  # before "lock": RocksDB may name its LOCK file
            if "lock" in str(error).lower():
                raise StoreUnavailable(
                    f"Le store {path} est déjà ouvert en écriture par un autre processus "
                    "(un moissonnage ou une publication en cours ?)."
                ) from error
            raise StoreUnavailable(f"Impossible d'ouvrir le store {path} : {error}") from error

    def _recover(self, path: Path) -> ox.Store:
        """Put back the checkpoint a process that died inside `recoverable` left; reopen."""
        checkpoint, marker = _recovery_paths(path)
        del self._store  # close: nobody else can have it open, we held its lock
        if checkpoint.is_dir():
            log.warning("store %s: a write was interrupted; restoring it as it was before", path)
            broken = path.with_name(f"{path.name}.interrompu")
            shutil.rmtree(broken, ignore_errors=True)
            path.rename(broken)
            checkpoint.rename(path)
            shutil.rmtree(broken)
        marker.unlink()
        return ox.Store(str(path))

    @contextmanager
    def recoverable(self) -> Iterator[None]:
        """Writes that are not one transaction (the bulk loader), undone if the process dies.

        A checkpoint of the store is taken first (hard links: milliseconds) and a marker
        written beside it; the next opening of the store for writing finds the marker and puts
        the checkpoint back, so a `kill -9` leaves the store as it was before. When the block
        raises, the marker stays: the store is restored when it is next opened. Nested blocks
        share the outer checkpoint; a store in memory needs none.
        """
        if self.path is None or self.read_only or self._recovering:
            yield
            return
        checkpoint, marker = _recovery_paths(self.path)
        shutil.rmtree(checkpoint, ignore_errors=True)  # a checkpoint without its marker: stale
        self.backup(checkpoint)
        with self._writing(marker.parent):
            marker.touch()
        self._recovering = True
        try:
            yield
            with self._writing():
                self._store.flush()
        finally:
            self._recovering = False
        marker.unlink()
        shutil.rmtree(checkpoint, ignore_errors=True)

    @contextmanager
    def _writing(self, where: Path | None = None) -> Iterator[None]:
        """Turn a full disk or a read-only file system met while writing into StorageUnavailable."""
        try:
            yield
        except OSError as error:
            if (disk := disk_error(error, where or self.path)) is not None:
                raise disk from error
            raise

    def _run(
        self,
        query: str,
        bindings: Mapping[str, Node] | None = None,
        **options: object,
    ) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean:
        substitutions = {ox.Variable(k): _to_oxigraph(v) for k, v in (bindings or {}).items()}
        if "default_graph" not in options:
            options["use_default_graph_as_union"] = True
        try:
            return self._store.query(query, substitutions=substitutions, **options)  # type: ignore[arg-type]
        except SyntaxError as error:
            raise QueryRejected(f"Requête SPARQL invalide : {error}") from error
        except OSError as error:
            raise QueryRejected(f"La requête a échoué : {error}") from error

    def select(
        self,
        query: str,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Iterable[URIRef] = (),
        prefixes: Mapping[str, str] | None = None,
    ) -> list[Row]:
        """Run a SELECT query; rows map variable names to terms.

        The default graph is the union of all graphs, or of `default_graphs` when given.
        """
        options: dict[str, object] = {}
        if graphs := [ox.NamedNode(str(g)) for g in default_graphs]:
            options["default_graph"] = graphs
        if prefixes:
            options["prefixes"] = dict(prefixes)
        result = self._run(query, bindings, **options)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryRejected("Cette requête n'est pas un SELECT.")
        return solution_rows(result)

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool:
        """Run an ASK query over the union of all graphs."""
        result = self._run(query, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryRejected("Cette requête n'est pas un ASK.")
        return bool(result)

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query over the union of all graphs."""
        result = self._run(query, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise QueryRejected("Cette requête n'est ni un CONSTRUCT ni un DESCRIBE.")
        graph = bind_prefixes(Graph())
        for triple in result:
            graph.add(
                (
                    _to_rdflib(triple.subject),
                    _to_rdflib(triple.predicate),
                    _to_rdflib(triple.object),
                )
            )
        return graph

    def query(
        self,
        query: str,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
    ) -> QueryResult:
        """Run any read query as the SPARQL protocol asks it (the endpoint's entry point)."""
        options: dict[str, object] = {}
        defaults, named = list(default_graphs), list(named_graphs)
        if defaults:
            options["default_graph"] = [ox.NamedNode(g) for g in defaults]
        if named:
            options["named_graphs"] = [ox.NamedNode(g) for g in named]
        result = self._run(query, None, **options)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("boolean", result)
        if isinstance(result, ox.QueryTriples):
            return QueryResult("graph", result)
        return QueryResult("bindings", result)

    def replace_graphs(
        self, replace: Mapping[URIRef, Graph], add: Mapping[URIRef, Graph] | None = None
    ) -> None:
        """Replace whole named graphs and add triples to others, all in one transaction.

        One SPARQL update (`DROP SILENT GRAPH` then `INSERT DATA`) is one Oxigraph transaction:
        either every graph changes or none does.
        """
        parts = [f"DROP SILENT GRAPH <{name}>" for name in replace]
        parts += _data_clause("INSERT", [*replace.items(), *(add or {}).items()])
        if parts:
            with self._writing():
                self._store.update(" ;\n".join(parts))

    def patch_graphs(
        self,
        patches: Mapping[URIRef, tuple[Graph, Graph]],
        add: Mapping[URIRef, Graph] | None = None,
    ) -> None:
        """Remove then add triples in named graphs ((removed, added) per graph), one transaction.

        Only what changed is written: a re-harvest where little changed costs little.
        """
        removed = [(name, graph) for name, (graph, _) in patches.items()]
        added = [(name, graph) for name, (_, graph) in patches.items()]
        parts = _data_clause("DELETE", removed) + _data_clause(
            "INSERT", [*added, *(add or {}).items()]
        )
        if parts:
            with self._writing():
                self._store.update(" ;\n".join(parts))

    def construct_nt(self, query: str) -> str:
        """Run a CONSTRUCT over the union of all graphs; the triples as N-Triples text."""
        result = self._run(query)
        if not isinstance(result, ox.QueryTriples):
            raise QueryRejected("Cette requête n'est ni un CONSTRUCT ni un DESCRIBE.")
        data = result.serialize(format=ox.RdfFormat.N_TRIPLES)
        return data.decode("utf-8") if data else ""

    def rebuild_graphs(self, graphs: Mapping[URIRef, Graph | bytes]) -> None:
        """Replace derived graphs (registry, quality, vocabulary) with Oxigraph's bulk loader.

        Not one transaction: much faster for hundreds of thousands of triples (a transactional
        update of the registry graph took minutes on this machine's disk), and safe because these
        graphs are rebuilt from the source graphs by every publication, and readers only ever
        see snapshots taken after a publication succeeded. Inside `recoverable`: a process
        killed while it loads leaves the store as it was before.
        """
        with self.recoverable():
            self._rebuild(graphs)

    def _rebuild(self, graphs: Mapping[URIRef, Graph | bytes]) -> None:
        for name, graph in graphs.items():
            target = ox.NamedNode(str(name))
            data = graph if isinstance(graph, bytes) else graph.serialize(format="nt").encode()
            with self._writing():
                if self._store.contains_named_graph(target):
                    self._store.remove_graph(target)
                self._store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=target)
                self._store.flush()

    def graph_names(self) -> list[URIRef]:
        """The named graphs the store holds."""
        return sorted(URIRef(g.value) for g in self._store.named_graphs() if hasattr(g, "value"))

    def count(self, graph: URIRef | None = None) -> int:
        """Number of triples in one named graph, or quads in the whole store."""
        pattern_graph = ox.NamedNode(str(graph)) if graph is not None else None
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, pattern_graph))

    def dump(
        self,
        out: BinaryIO,
        media_type: str = "application/n-quads",
        graph: URIRef | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        """Write every quad of the store to `out`, or the triples of one `graph` (natively).

        N-Quads of the whole store are written graph by graph, on every core: reading RocksDB is
        the slow part and pyoxigraph releases the GIL while it dumps (2 threads: 2× faster).
        """
        if graph is None and media_type == "application/n-quads":
            self._dump_quads_in_parallel(out)
            return
        self._store.dump(
            out,
            format=ox.RdfFormat.from_media_type(media_type),
            from_graph=ox.NamedNode(str(graph)) if graph is not None else None,
            prefixes=dict(prefixes) if prefixes else None,
        )

    def _dump_quads_in_parallel(self, out: BinaryIO) -> None:
        graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph()]
        graphs += list(self._store.named_graphs())
        with tempfile.TemporaryDirectory(prefix="tl-dump-") as folder:
            paths = [Path(folder) / f"{number}.nt" for number in range(len(graphs))]

            def dump(number: int) -> None:
                self._store.dump(
                    str(paths[number]), format=ox.RdfFormat.N_TRIPLES, from_graph=graphs[number]
                )

            with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
                list(pool.map(dump, range(len(graphs))))
            for name, path in zip(graphs, paths, strict=True):
                suffix = b" .\n" if isinstance(name, ox.DefaultGraph) else f" {name} .\n".encode()
                with path.open("rb") as triples:
                    out.writelines(line[:-3] + suffix for line in triples)  # `s p o .\n`

    def backup(self, target: Path) -> None:
        """Checkpoint the on-disk store into `target` (a new directory), in milliseconds."""
        with self._writing():
            self._store.flush()
        with self._writing(target.parent):
            self._store.backup(str(target))


def _recovery_paths(path: Path) -> tuple[Path, Path]:
    """The checkpoint and the marker of `recoverable` for the store at `path`."""
    return path.with_name(f"{path.name}.avant-ecriture"), path.with_name(f"{path.name}.a-restaurer")


def _data_clause(verb: str, graphs: Iterable[tuple[URIRef, Graph]]) -> list[str]:
    """`INSERT DATA { GRAPH <g> { … } … }` (or DELETE) for the non-empty graphs; [] if none."""
    blocks = [
        f"GRAPH <{name}> {{\n{graph.serialize(format='nt')}\n}}"
        for name, graph in graphs
        if len(graph)
    ]
    return [f"{verb} DATA {{\n" + "\n".join(blocks) + "\n}"] if blocks else []


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    """Return the working store `settings` names.

    In memory, an Oxigraph directory, or a SPARQL server (`TL_STORE_URL=http…`,
    registry.remote_store).
    """
    if settings.remote_store:
        from .remote_store import RemoteStore

        return RemoteStore.from_settings(settings)
    path = settings.store_path
    if read_only and path is not None and not path.exists():
        raise StoreUnavailable(
            f"Aucun store dans {path} : lancez d'abord « tierslieux harvest --all »."
        )
    return OxigraphStore(path, read_only=read_only)
