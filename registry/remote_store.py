"""A store on any SPARQL 1.1 Query + Update (+ Graph Store Protocol) server (Virtuoso, Fuseki).

For a deployment that outgrows one machine (DESIGN §7): the registry's graphs live in an
existing triple store, the web tier is stateless. `RemoteStore` keeps `OxigraphStore`'s contract
(tests/test_store.py runs on both):

- queries go through SPARQLWrapper (POST, form-encoded), with the registry's own graphs as the
  default graph (their union, as on Oxigraph) and as the named graphs, so a server's system
  graphs (Virtuoso's `virtrdf:` and others) are never seen;
- answers are parsed into pyoxigraph's terms and normalised (Virtuoso's `virtrdf:Geometry` is a
  `geo:wktLiteral`, its booleans "1"/"0" are "true"/"false", its ASK-as-SELECT is an ASK), so
  the site and /sparql write the same bytes from either store;
- a graph is replaced by a safe swap: its new triples are loaded into a temporary graph (Graph
  Store Protocol POSTs, or INSERT DATA in chunks), then one update request moves every
  temporary graph onto its target: readers see the old graphs or the new ones, never half;
- blank nodes are skolemised (`{base}.well-known/genid/…`) before they are sent;
- HTTP and protocol errors become `StoreUnavailable` / `QueryRejected` with a French message;
  credentials come from settings and never appear in a message or a log.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import uuid
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any, BinaryIO, NoReturn

import pyoxigraph as ox
import requests
from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import XSD
from rdflib.term import Node
from SPARQLWrapper import POST, SPARQLExceptions, SPARQLWrapper

from .errors import QueryRejected, StoreUnavailable
from .namespaces import bind_prefixes
from .settings import Settings
from .sparql import _NOT_KEYWORDS
from .store import QueryResult, Row, _to_oxigraph, _to_rdflib, solution_rows

log = logging.getLogger(__name__)

GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
# Virtuoso turns geo:wktLiteral values into its own geometries, in single precision (checked:
# "POINT(1.107451 44.633432)" came back as "POINT(1.1074509620667 44.633430480957)"). So they
# are stored under this datatype of ours, as text, and given back as geo:wktLiteral.
WKT_STORED = "urn:tl:wkt-texte"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
JSON_RESULTS = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
CHUNK = 20_000  # triples per upload request
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)
_WHERE = re.compile(r"\bWHERE\b", re.I)
_BNODE = re.compile(r"_:([A-Za-z0-9_\-]+)")


def _blanked(text: str) -> str:
    """`text` with comments, strings and IRIs (registry.sparql's) blanked, same offsets."""
    return _NOT_KEYWORDS.sub(lambda m: " " * len(m.group(0)), text)


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the form of a read query (after its prologue)."""
    found = _FORM.search(_blanked(text))
    if found is None:
        raise QueryRejected(
            "Requête SPARQL invalide : ni SELECT, ni ASK, ni CONSTRUCT, ni DESCRIBE."
        )
    return found.group(1).upper()


def with_bindings(text: str, bindings: Mapping[str, Node] | None) -> str:
    """`text` with `VALUES` for each binding at the start of its outer group pattern.

    What Oxigraph's substitutions do, for a server that has none: the variables are bound
    before the rest of the pattern is evaluated.
    """
    if not bindings:
        return text
    blank = _blanked(text)
    form = _FORM.search(blank)
    start = form.end() if form else 0
    where = _WHERE.search(blank, start)
    brace = blank.find("{", where.end() if where else start)
    if brace < 0:
        raise QueryRejected("Requête SPARQL invalide : aucun motif de graphe.")
    values = " ".join(
        f"VALUES ?{name} {{ {_to_oxigraph(term)} }}" for name, term in bindings.items()
    )
    return f"{text[: brace + 1]} {values} {text[brace + 1 :]}"


def _fix_term(term: Any) -> Any:
    """A term as Oxigraph would give it (Virtuoso's geometry and boolean forms undone)."""
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in (GEOMETRY, WKT_STORED):
            return ox.Literal(term.value, datatype=ox.NamedNode(WKT))
        if datatype == XSD_BOOLEAN and term.value in ("1", "0"):
            value = "true" if term.value == "1" else "false"
            return ox.Literal(value, datatype=ox.NamedNode(XSD_BOOLEAN))
    return term


def _fix_triple(triple: ox.Triple) -> ox.Triple:
    return ox.Triple(triple.subject, triple.predicate, _fix_term(triple.object))


def _fix_bindings(data: bytes) -> bytes:
    """SPARQL JSON results with Virtuoso's forms undone (before Oxigraph parses them)."""
    document = json.loads(data)
    names = [v.lower() for v in document.get("head", {}).get("vars", [])]
    if "boolean" not in document and names == ["__ask_retval"]:
        rows = document["results"]["bindings"]
        value = bool(rows) and rows[0]["__ask_retval"]["value"] not in ("0", "false")
        return json.dumps({"head": {}, "boolean": value}).encode()
    for row in document.get("results", {}).get("bindings", []):
        for cell in row.values():
            if cell.get("type") == "typed-literal":  # SPARQL 1.0 JSON, still Virtuoso's
                cell["type"] = "literal"
            if cell.get("datatype") in (GEOMETRY, WKT_STORED):
                cell["datatype"] = WKT
            elif cell.get("datatype") == XSD_BOOLEAN and cell.get("value") in ("1", "0"):
                cell["value"] = "true" if cell["value"] == "1" else "false"
    document.get("head", {}).pop("link", None)
    return json.dumps(document).encode()


class RemoteStore:
    """The registry's graphs on a SPARQL 1.1 server (see the module docstring)."""

    path = None  # no local directory: publish takes no snapshot, the server is the state
    read_only = False
    persistent = True  # publish writes dumps (the data outlives this process)

    def __init__(
        self,
        query_url: str,
        settings: Settings,
        *,
        update_url: str = "",
        graph_store_url: str = "",
        user: str = "",
        password: str = "",
        timeout: float = 300,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.graph_store_url = graph_store_url
        self.base = settings.base_uri
        self.timeout = timeout
        self._auth = (user, password) if user else None
        self._http = requests.Session()
        if self._auth:
            self._http.auth = requests.auth.HTTPDigestAuth(*self._auth)
        self._graphs: list[str] | None = None  # the registry's graphs, cached between writes
        self.deadline_message = ""  # set on a public endpoint's copy (`bounded`)

    def bounded(self, seconds: float, message: str) -> RemoteStore:
        """A copy whose queries give up after `seconds`, refused with `message` (503).

        For the public endpoint: the server may go on computing (Virtuoso's
        MaxQueryExecutionTime bounds it), this web worker does not wait.
        """
        copy = object.__new__(RemoteStore)
        copy.__dict__.update(self.__dict__)
        copy.timeout, copy.deadline_message = seconds, message
        return copy

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """The store `TL_STORE_URL` (and the other `TL_STORE_*` settings) names."""
        return cls(
            settings.store_url,
            settings,
            update_url=settings.store_update_url,
            graph_store_url=settings.store_graph_store_url,
            user=settings.store_user,
            password=settings.store_password,
            timeout=settings.store_timeout_s,
        )

    def __repr__(self) -> str:  # never the credentials
        return f"RemoteStore({self.query_url!r})"

    # --- reading

    def _ours(self) -> list[str]:
        """The registry's named graphs on the server (those under `{base}graph/`)."""
        if self._graphs is None:
            prefix = f"{self.base}graph/"
            query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
            data = self._request(query, JSON_RESULTS, scoped=False)
            rows = json.loads(data)["results"]["bindings"]
            self._graphs = sorted(
                r["g"]["value"] for r in rows if r["g"]["value"].startswith(prefix)
            )
        return self._graphs

    def _request(
        self,
        query: str,
        accept: str,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
        scoped: bool = True,
    ) -> bytes:
        """POST `query` and return the answer's bytes; errors become the registry's own."""
        client = SPARQLWrapper(self.query_url)
        client.setMethod(POST)
        client.setTimeout(int(self.timeout))
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", accept)
        if self._auth:
            client.setHTTPAuth("DIGEST")
            client.setCredentials(*self._auth)
        defaults, named = list(default_graphs), list(named_graphs)
        if scoped:
            ours = self._ours()
            defaults = defaults or ours
            named = named or ours
            if not defaults:  # an empty registry: a graph that holds nothing
                defaults = named = [f"{self.base}graph/vide"]
        for graph in defaults:
            client.addDefaultGraph(graph)
        for graph in named:
            client.addNamedGraph(graph)
        client.setQuery(query)
        try:
            response = client.query().response
            partial = response.info().get("X-SQL-State")  # Virtuoso's "anytime" partial answer
            if partial:
                raise QueryRejected(
                    f"Le store distant n'a donné qu'une réponse partielle ({partial} : "
                    f"{response.info().get('X-SQL-Message', '')}).",
                    status=503,
                )
            return bytes(response.read())
        except SPARQLExceptions.QueryBadFormed as error:
            raise QueryRejected(f"Requête SPARQL invalide : {_server_message(error)}") from None
        except SPARQLExceptions.Unauthorized:
            self._fail("le serveur refuse les identifiants du registre (TL_STORE_USER)")
        except SPARQLExceptions.EndPointNotFound:
            self._fail("aucun point d'accès SPARQL à cette adresse (404)")
        except SPARQLExceptions.EndPointInternalError as error:
            raise QueryRejected(
                f"Le store distant n'a pas pu exécuter la requête : {_server_message(error)}",
                status=502,
            ) from None
        except SPARQLExceptions.SPARQLWrapperException as error:
            self._fail(f"erreur du serveur : {_server_message(error)}")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            reason = getattr(error, "reason", error)
            if self.deadline_message and isinstance(reason, TimeoutError):
                raise QueryRejected(self.deadline_message, status=503) from None
            self._fail(f"serveur injoignable ou trop lent ({reason})")

    def _fail(self, why: str) -> NoReturn:
        raise StoreUnavailable(f"Le store distant {self.query_url} ne répond pas : {why}.")

    def _solutions(
        self,
        query: str,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
    ) -> ox.QuerySolutions | ox.QueryBoolean:
        text = with_bindings(query, bindings)
        data = self._request(text, JSON_RESULTS, default_graphs, named_graphs)
        return ox.parse_query_results(_fix_bindings(data), format=ox.QueryResultsFormat.JSON)

    def _triples(
        self,
        query: str,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
    ) -> list[ox.Triple]:
        text = with_bindings(query, bindings)
        data = self._request(text, NTRIPLES, default_graphs, named_graphs)
        return [_fix_triple(t) for t in ox.parse(data, ox.RdfFormat.N_TRIPLES)]

    def select(
        self,
        query: str,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: Iterable[URIRef] = (),
        prefixes: Mapping[str, str] | None = None,
    ) -> list[Row]:
        """Run a SELECT query; rows map variable names to terms."""
        if prefixes:
            declared = "".join(f"PREFIX {k}: <{v}>\n" for k, v in prefixes.items())
            query = declared + query
        if query_form(query) != "SELECT":
            raise QueryRejected("Cette requête n'est pas un SELECT.")
        result = self._solutions(query, bindings, [str(g) for g in default_graphs])
        if not isinstance(result, ox.QuerySolutions):
            raise QueryRejected("Cette requête n'est pas un SELECT.")
        return solution_rows(result)

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool:
        """Run an ASK query over the union of the registry's graphs."""
        if query_form(query) != "ASK":
            raise QueryRejected("Cette requête n'est pas un ASK.")
        result = self._solutions(query, bindings)
        return bool(result)

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query over the union of the registry's graphs."""
        if query_form(query) not in ("CONSTRUCT", "DESCRIBE"):
            raise QueryRejected("Cette requête n'est ni un CONSTRUCT ni un DESCRIBE.")
        graph = bind_prefixes(Graph())
        for t in self._triples(query, bindings):
            graph.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
        return graph

    def construct_nt(self, query: str) -> str:
        """Run a CONSTRUCT over the union of all graphs; the triples as N-Triples text."""
        if query_form(query) not in ("CONSTRUCT", "DESCRIBE"):
            raise QueryRejected("Cette requête n'est ni un CONSTRUCT ni un DESCRIBE.")
        return "".join(f"{t} .\n" for t in self._triples(query))

    def query(
        self,
        query: str,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
    ) -> QueryResult:
        """Run any read query as the SPARQL protocol asks it (the endpoint's entry point)."""
        form = query_form(query)
        if form in ("CONSTRUCT", "DESCRIBE"):
            return QueryResult("graph", self._triples(query, None, default_graphs, named_graphs))
        result = self._solutions(query, None, default_graphs, named_graphs)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("boolean", result)
        return QueryResult("bindings", result)

    def graph_names(self) -> list[URIRef]:
        """The registry's named graphs."""
        self._graphs = None
        return [URIRef(g) for g in self._ours()]

    def count(self, graph: URIRef | None = None) -> int:
        """Number of triples in one named graph, or quads in the registry's graphs."""
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        return int(str(rows[0]["n"])) if rows else 0

    def dump(
        self,
        out: BinaryIO,
        media_type: str = "application/n-quads",
        graph: URIRef | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        """Write the registry's quads to `out`, or the triples of one `graph`, graph by graph."""
        rdf_format = ox.RdfFormat.from_media_type(media_type)
        names = [graph] if graph is not None else self.graph_names()
        for number, name in enumerate(names):
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
            triples = self._triples(query, default_graphs=[str(name)], named_graphs=[str(name)])
            if graph is not None:
                statements: Iterable[Any] = triples
            else:
                target = ox.NamedNode(str(name))
                statements = [ox.Quad(t.subject, t.predicate, t.object, target) for t in triples]
            # prefixes once, at the top: later graphs are appended without them
            chosen = dict(prefixes) if prefixes and number == 0 else None
            ox.serialize(statements, out, rdf_format, prefixes=chosen)

    # --- writing

    def replace_graphs(
        self, replace: Mapping[URIRef, Graph], add: Mapping[URIRef, Graph] | None = None
    ) -> None:
        """Replace whole named graphs and add triples to others, in one update request."""
        self._swap({name: _ntriples(g) for name, g in replace.items()},
                   {name: _ntriples(g) for name, g in (add or {}).items()})  # fmt: skip

    def recoverable(self) -> AbstractContextManager[None]:
        """Nothing to undo here: every swap is one update request, applied whole or not."""
        return nullcontext()

    def rebuild_graphs(self, graphs: Mapping[URIRef, Graph | bytes]) -> None:
        """Replace derived graphs (registry, quality, coverage…): the same safe swap."""
        self._swap({name: _ntriples(g) for name, g in graphs.items()}, {})

    def patch_graphs(
        self,
        patches: Mapping[URIRef, tuple[Graph, Graph]],
        add: Mapping[URIRef, Graph] | None = None,
    ) -> None:
        """Remove then add triples in named graphs, in one update request."""
        parts = []
        for verb, pairs in (
            ("DELETE", [(n, removed) for n, (removed, _) in patches.items()]),
            ("INSERT", [(n, added) for n, (_, added) in patches.items()]
             + list((add or {}).items())),
        ):  # fmt: skip
            blocks = [
                f"GRAPH <{name}> {{\n{self._skolemised(_ntriples(graph)).decode()}\n}}"
                for name, graph in pairs
                if len(graph)
            ]
            if blocks:
                parts.append(f"{verb} DATA {{\n" + "\n".join(blocks) + "\n}")
        if parts:
            self._update(" ;\n".join(parts))
            self._graphs = None

    def _swap(self, replace: Mapping[URIRef, bytes], add: Mapping[URIRef, bytes]) -> None:
        """Load each graph's triples into a temporary graph, then move them all in one update."""
        run = uuid.uuid4().hex
        loaded: dict[str, str] = {}  # temporary graph -> target
        operations = []
        checked = {name: self._skolemised(data) for name, data in [*replace.items(), *add.items()]}
        try:
            for number, (name, data) in enumerate(checked.items()):
                temporary = f"urn:tl:chargement:{run}:{number}"
                if data.strip():
                    self._upload(temporary, data)
                    loaded[temporary] = str(name)
                if name in replace:
                    if data.strip():
                        operations.append(f"MOVE SILENT GRAPH <{temporary}> TO GRAPH <{name}>")
                    else:
                        operations.append(f"DROP SILENT GRAPH <{name}>")
                elif data.strip():
                    operations.append(f"ADD SILENT GRAPH <{temporary}> TO GRAPH <{name}>")
                    operations.append(f"DROP SILENT GRAPH <{temporary}>")
            if operations:
                self._update(" ;\n".join(operations))
        except BaseException:
            for temporary in loaded:
                try:
                    self._update(f"DROP SILENT GRAPH <{temporary}>")
                except StoreUnavailable:
                    log.warning("temporary graph %s left on %s", temporary, self.query_url)
            raise
        finally:
            self._graphs = None

    def _upload(self, graph: str, data: bytes) -> None:
        """Add N-Triples to `graph`: Graph Store Protocol POSTs, else INSERT DATA, by chunks."""
        lines = data.splitlines(keepends=True)
        for start in range(0, len(lines), CHUNK):
            chunk = b"".join(lines[start : start + CHUNK])
            if self.graph_store_url:
                self._http_call(
                    "post", self.graph_store_url, params={"graph": graph}, data=chunk,
                    headers={"Content-Type": NTRIPLES},
                )  # fmt: skip
            else:
                self._update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{chunk.decode()}\n}} }}")

    def _update(self, text: str) -> None:
        self._http_call(
            "post", self.update_url, data=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update", "Accept": "*/*"},
        )  # fmt: skip

    def _http_call(self, method: str, url: str, **options: Any) -> requests.Response:
        try:
            response = self._http.request(method, url, timeout=self.timeout, **options)
        except requests.RequestException as error:
            self._fail(f"serveur injoignable ou trop lent ({type(error).__name__})")
        if response.status_code in (401, 403):
            self._fail(f"écriture refusée ({response.status_code}) : vérifiez TL_STORE_USER et "
                       "les droits de mise à jour du serveur")  # fmt: skip
        if response.status_code >= 400:
            self._fail(f"erreur {response.status_code} : {_first_line(response.text)}")
        return response

    def _skolemised(self, data: bytes) -> bytes:
        """Checked N-Triples, ready for the server.

        Parsed with Oxigraph first, so a bad term raises SyntaxError before anything is sent,
        as the embedded store refuses it before anything is written. Each blank node becomes an
        IRI under `{base}.well-known/genid/`; WKT literals take the datatype `WKT_STORED`.
        """
        triples = ox.parse(data, ox.RdfFormat.N_TRIPLES)
        if b"_:" not in data and WKT.encode() not in data:
            for _ in triples:
                pass
            return data
        genid = f"{self.base}.well-known/genid/"
        stored = ox.NamedNode(WKT_STORED)

        def term(value: Any) -> Any:
            if isinstance(value, ox.BlankNode):
                return ox.NamedNode(genid + value.value)
            if isinstance(value, ox.Literal) and value.datatype.value == WKT:
                return ox.Literal(value.value, datatype=stored)
            return value

        return "".join(
            f"{ox.Triple(term(t.subject), t.predicate, term(t.object))} .\n" for t in triples
        ).encode()


def _ntriples(graph: Graph | bytes) -> bytes:
    return graph if isinstance(graph, bytes) else graph.serialize(format="nt", encoding="utf-8")


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return "(réponse vide)"


def _server_message(error: Exception) -> str:
    """The server's own words from a SPARQLWrapper error, without its boilerplate."""
    text = str(error)
    text = text.split("Response:", 1)[-1].strip().removeprefix("b'").removeprefix('b"')
    return _first_line(text.replace("\\n", "\n"))


PUBLISHED = "http://www.w3.org/ns/prov#generatedAtTime"


def mark_published(store: RemoteStore, moment: str) -> None:
    """Record in `graph/catalog` when the registry graph was last published (ISO 8601).

    Web workers on other machines watch it (`RemoteFollower`) to refresh their caches.
    """
    catalog, registry = URIRef(f"{store.base}graph/catalog"), URIRef(f"{store.base}graph/registry")
    old = Graph()
    for row in store.select(
        f"SELECT ?t WHERE {{ GRAPH <{catalog}> {{ <{registry}> <{PUBLISHED}> ?t }} }}"
    ):
        old.add((registry, URIRef(PUBLISHED), row["t"]))
    new = Graph()
    new.add((registry, URIRef(PUBLISHED), RdfLiteral(moment, datatype=XSD.dateTime)))
    store.patch_graphs({catalog: (old, new)})


class RemoteFollower:
    """The web tier's view of a remote store: a new `RemoteStore` after each publication.

    Per-publication caches (search index, headline figures) are keyed on the store object, as
    with snapshots; the publication mark is read at most every `every` seconds.
    """

    def __init__(self, settings: Settings, every: float = 10.0) -> None:
        self.settings = settings
        self.every = every
        self._store = RemoteStore.from_settings(settings)
        self._mark: str | None = None
        self._checked = 0.0

    def store(self) -> RemoteStore:
        """The store, renewed when the registry was published again."""
        now = time.monotonic()
        if now - self._checked >= self.every:
            self._checked = now
            registry = f"{self.settings.base_uri}graph/registry"
            rows = self._store.select(f"SELECT ?t WHERE {{ <{registry}> <{PUBLISHED}> ?t }}")
            mark = max((str(r["t"]) for r in rows), default="")
            if self._mark is not None and mark != self._mark:
                self._store = RemoteStore.from_settings(self.settings)
                log.info("remote store published again at %s", mark)
            self._mark = mark
        return self._store
