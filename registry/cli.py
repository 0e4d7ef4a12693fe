"""The `tierslieux` command: one subcommand per pipeline stage, thin wrappers over functions.

Exit codes (as pySHACL): 0 ok, 1 data does not conform, 2 usage or runtime error.
"""

from __future__ import annotations

import functools
import gc
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import QueryRejected, RegistryError, disk_error
from .settings import Settings

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def configure_logging(verbose: int) -> None:
    """Send logs to stderr: warnings by default, -v info, -vv debug."""
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def known_errors(func: F) -> F:
    """Turn a RegistryError into a one-line message and exit code 2 (never a traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RegistryError as error:
            message = str(error)
        except OSError as error:  # a full disk or a read-only file system outside the store
            known = disk_error(error, error.filename)
            if known is None:
                raise
            message = str(known)
        # Free the traceback's frames (and the store they hold, with RocksDB's lock) before
        # exiting: chained exceptions form cycles only the collector frees. This matters when
        # the CLI runs in-process (tests, a caller script).
        gc.collect()
        click.echo(f"Erreur : {message}", err=True)
        sys.exit(2)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.option("-v", "--verbose", count=True, help="-v infos, -vv débogage.")
@click.option(
    "--store", help="Remplace TL_STORE_URL (dossier Oxigraph, « memory: » ou URL SPARQL)."
)
@click.version_option(package_name="tiers-lieux-registry")
@click.pass_context
def cli(ctx: click.Context, verbose: int, store: str | None) -> None:
    """Registre ouvert des tiers-lieux : moissonner, valider, publier, servir, interroger."""
    configure_logging(verbose)
    settings = Settings.from_env()
    ctx.obj = replace(settings, store_url=store) if store else settings


@cli.command()
@click.pass_obj
@known_errors
def sources(settings: Settings) -> None:
    """Liste les sources configurées (harvesters/sources.toml)."""
    from harvesters.config import load_sources

    mode = f"miroir {settings.mirror_dir}" if settings.mirror_dir else "réseau"
    click.echo(f"{'source':<26} {'moissonneur':<12} {'licence':<10} titre   [lecture : {mode}]")
    for source in load_sources().values():
        licence = "LO 2.0" if "etalab" in source.licence else source.licence
        click.echo(f"{source.id:<26} {source.harvester:<12} {licence:<10} {source.title}")


@cli.command()
@click.argument("source_ids", nargs=-1, metavar="[SOURCE…]")
@click.option("--all", "all_sources", is_flag=True, help="Moissonne toutes les sources.")
@click.pass_obj
@known_errors
def harvest(settings: Settings, source_ids: tuple[str, ...], all_sources: bool) -> None:
    """Moissonne des sources dans le store.

    Pour chaque source : lit le fichier (miroir ou réseau, archivé avec son sha256), valide
    chaque fiche avec les formes SHACL « core » et remplace le graphe de la source en une
    transaction. Affiche une ligne de bilan par source et les fiches rejetées avec leur motif.
    """
    from tqdm import tqdm

    from harvesters import harvest_source
    from harvesters.config import get_source, load_sources
    from harvesters.mapping import personal_first

    from .store import open_store

    if all_sources == bool(source_ids):
        raise click.UsageError("Donnez des identifiants de source ou --all (pas les deux).")
    if all_sources:
        chosen = personal_first([s for s in load_sources().values() if s.in_all])
    else:
        chosen = [get_source(s) for s in source_ids]
    store = open_store(settings)
    failed = 0
    clock = time.perf_counter()
    for source in chosen:
        if all_sources and settings.mirror_dir and not (source.mirror or source.bundled):
            click.echo(
                f"{source.id}: ignorée (pas de copie dans le miroir, moissonnage réseau seul)"
            )
            continue
        try:
            with tqdm(
                desc=source.id, unit=" fiches", file=sys.stderr, leave=False, disable=None
            ) as bar:
                report = harvest_source(source, store, settings, on_record=bar.update)
        except RegistryError as error:
            failed += 1
            click.echo(f"{source.id}: échec — {error}", err=True)
            continue
        except OSError as error:  # the disk, not the source: say so, go on with the others
            known = disk_error(error, error.filename)
            if known is None:
                log.exception("harvest of %s failed", source.id)
            failed += 1
            reason = known or "erreur interne (voir le journal)"
            click.echo(f"{source.id}: échec — {reason}", err=True)
            continue
        except Exception:  # a bug must not stop the other sources; it is logged with its trace
            log.exception("harvest of %s failed", source.id)
            failed += 1
            click.echo(f"{source.id}: échec — erreur interne (voir le journal)", err=True)
            continue
        click.echo(report.summary())
        click.echo(f"  lignes lues : {report.read}")
        for reason, count in report.rejections.items():
            click.echo(f"  rejet ×{count} : {reason}")
        for rejected in report.rejected[:10]:
            click.echo(
                f"  rejet {rejected['key']} (ligne {rejected['row']}) : {rejected['reason']}"
            )
        if len(report.rejected) > 10:
            click.echo(
                f"  … et {len(report.rejected) - 10} autres rejets (voir /sources/{source.id})"
            )
        for kind, count in report.repairs.items():
            click.echo(f"  avertissement ×{count} : {kind}")
    if all_sources:
        click.echo(f"harvest --all : {len(chosen)} sources, {time.perf_counter() - clock:.1f} s")
    if failed:
        sys.exit(2)


@cli.command("check-mapping")
@click.argument("mapping")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--show", default=0, help="Affiche en Turtle les N premières fiches chargées.")
@click.pass_obj
@known_errors
def check_mapping(settings: Settings, mapping: str, path: str, show: int) -> None:
    """Essaie une correspondance sur un fichier (sans publier).

    MAPPING est le nom d'un fichier de harvesters/mappings/ (sans .toml). Affiche les fiches
    chargées, les rejets par motif et les avertissements par genre.
    """
    from harvesters.try_mapping import try_mapping

    report, graph = try_mapping(mapping, Path(path), settings)
    click.echo(report.summary())
    click.echo(f"  lignes lues : {report.read}")
    for reason, count in report.rejections.items():
        click.echo(f"  rejet ×{count} : {reason}")
    for kind, count in report.repairs.items():
        click.echo(f"  avertissement ×{count} : {kind}")
    for message, count in report.recommendations.items():
        click.echo(f"  recommandation ×{count} : {message}")
    if show:
        from rdflib import Graph

        from .namespaces import RDF, TL, bind_prefixes

        for subject in sorted(graph.subjects(RDF.type, TL.SourceRecord), key=str)[:show]:
            sample = bind_prefixes(Graph())
            for triple in graph.triples((None, None, None)):
                if str(triple[0]).split("#")[0] == str(subject):
                    sample.add(triple)
            click.echo(sample.serialize(format="turtle"))


@cli.command()
@click.pass_obj
@known_errors
def validate(settings: Settings) -> None:
    """Revalide les fiches avec les formes SHACL.

    Formes « core » et « vocabularies » (bloquantes) et « recommended » (avertissements) ; code
    de sortie 1 si une fiche du store enfreint une forme bloquante.
    """
    from . import queries
    from . import validate as validation
    from .iris import Minter
    from .store import open_store
    from .vocabulary import vocabulary_graph

    store = open_store(settings)
    shapes = validation.harvest_shapes()
    minter = Minter(settings.base_uri)
    prefix = str(minter.graph("source", ""))
    nonconforming = 0
    for name in store.graph_names():
        if not str(name).startswith(prefix):
            continue
        graph = store.construct(queries.load("graph-triples"), bindings={"g": name})
        report = validation.validate(graph, shapes, ontology=vocabulary_graph())
        warnings = len(report.findings) - len(report.violations)
        click.echo(
            f"{name}: {len(graph)} triplets, {len(report.violations)} violations, "
            f"{warnings} avertissements"
        )
        for finding in report.violations[:20]:
            click.echo(f"  {finding.focus} : {finding.message}")
        nonconforming += bool(report.violations)
    sys.exit(1 if nonconforming else 0)


@cli.command()
@click.pass_obj
@known_errors
def publish(settings: Settings) -> None:
    """Construit le registre et publie un instantané.

    Un lieu par fiche source (identifiant permanent), puis un instantané du store que le
    site sert en lecture seule.
    """
    from .publication import publish as run_publish
    from .store import open_store

    report = run_publish(open_store(settings), settings)
    click.echo(report.criteria.summary())
    click.echo(report.summary())


@cli.command()
@click.pass_obj
@known_errors
def assess(settings: Settings) -> None:
    """Évalue les six critères de chaque lieu.

    Écrit le graphe qualité du store de travail (sans publier) et affiche le nombre de lieux par
    critère et par résultat. Le profil de seuils vient de TL_CRITERIA_PROFILE.
    """
    from .publication import assess_and_store
    from .store import open_store

    report = assess_and_store(open_store(settings), settings)
    click.echo(report.table())
    click.echo(report.summary())


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option("--port", default=8000, show_default=True, help="Port d'écoute.")
@click.option("--workers", default=2, show_default=True, help="Processus gunicorn.")
@click.pass_obj
@known_errors
def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Sert le site, les URI et /sparql (gunicorn).

    Sert le dernier instantané publié ; bascule seul sur le suivant à chaque publication.
    """
    from .web.server import run

    click.echo(f"Registre servi sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    run(settings, host=host, port=port, workers=workers)


@cli.command()
@click.argument("query")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "ntriples", "jsonld"]),
    default="table",
    show_default=True,
    help="Format du résultat.",
)
@click.pass_obj
@known_errors
def query(settings: Settings, query: str, fmt: str) -> None:
    """Exécute une requête SPARQL (texte ou .rq).

    La requête porte sur le store de travail ; le graphe par défaut est l'union des graphes.
    """
    from .sparql import RESULT_FORMATS, format_table, media_types_for, non_empty, run_query
    from .store import open_store

    if query.endswith(".rq"):
        try:
            text = Path(query).read_text(encoding="utf-8")
        except OSError as error:
            message = f"Fichier de requête illisible : {query} ({error.strerror})."
            raise QueryRejected(message) from None
    else:
        text = query
    result = run_query(open_store(settings), non_empty(text))
    if fmt == "table":
        click.echo(format_table(result))
        return
    media_type = RESULT_FORMATS[fmt]
    if media_type not in media_types_for(result.kind):
        kinds = {"graph": "un graphe", "bindings": "un tableau", "boolean": "un booléen"}
        raise click.UsageError(f"Le format {fmt} ne convient pas à {kinds[result.kind]}.")
    click.echo(result.serialize(media_type).decode("utf-8"), nl=False)


@cli.command()
@click.option("--tous", is_flag=True, help="Inclut les demandes déjà acceptées ou rejetées.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Format de la liste.",
)
@click.option("--accepter", metavar="N°", help="Clôt la demande N° comme acceptée.")
@click.option("--rejeter", metavar="N°", help="Clôt la demande N° comme rejetée.")
@click.pass_obj
@known_errors
def corrections(
    settings: Settings, tous: bool, fmt: str, accepter: str | None, rejeter: str | None
) -> None:
    """Liste les signalements d'erreur à examiner.

    Les demandes envoyées par le formulaire « Signaler une erreur » du site attendent dans une
    file privée, jamais publiée. Accepter une demande ne modifie pas les données : corrigez la
    source ou les décisions de curation, puis clôturez la demande.
    """
    import json
    from dataclasses import asdict

    from .corrections import ACCEPTED, REJECTED, CorrectionQueue, format_table

    queue = CorrectionQueue(settings.corrections_path, settings.corrections_per_hour)
    if accepter and rejeter:
        raise click.UsageError("Donnez --accepter ou --rejeter, pas les deux.")
    if accepter or rejeter:
        closed = queue.close(accepter or rejeter or "", ACCEPTED if accepter else REJECTED)
        verdict = "acceptée" if closed.status == ACCEPTED else "rejetée"
        click.echo(f"Demande {closed.id} {verdict} (lieu {closed.place_id}).")
        return
    contents = queue.read()
    if contents.unreadable:
        numbers = ", ".join(map(str, contents.unreadable))
        click.echo(f"Attention : lignes illisibles ignorées ({numbers}).", err=True)
    chosen = [r for r in contents.requests if tous or r.is_open]
    if fmt == "json":
        click.echo(json.dumps([asdict(r) for r in chosen], ensure_ascii=False, indent=2))
        return
    click.echo(format_table(chosen))
    plural = "s" if len(chosen) > 1 else ""
    kind = f"demande{plural}" if tous else f"demande{plural} ouverte{plural}"
    click.echo(f"({len(chosen)} {kind})")


if __name__ == "__main__":
    cli()
