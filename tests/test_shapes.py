"""Shape cases: each node shape has passing (--ok-) and failing (--ko-) Turtle cases.

The first line of a case, `# expect: …`, lists exactly the shapes that report a result on it.
Folders are named after the shapes files. Criteria cases are also run through the set-at-a-time
runner the registry uses in production (registry.criteria.evidence_from_store), which must find
exactly what pySHACL finds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from registry.criteria import evidence_from_store, load_profile, shape_outcomes
from registry.store import OxigraphStore
from registry.validate import load_shapes, validate
from registry.vocabulary import vocabulary_graph

CASES = Path(__file__).parent / "shapes" / "cases"
NAMESPACES = {
    "tlsh:": "https://w3id.org/tiers-lieux/def/shapes#",
    "tlcrit:": "https://w3id.org/tiers-lieux/def/criteria-shapes#",
}
ALL_CASES = sorted(CASES.glob("*/*.ttl"))


def expected_shapes(path: Path) -> set[str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name} must start with '# expect:'"
    names = first.removeprefix("# expect:").split()
    return {NAMESPACES[n.split(":")[0] + ":"] + n.split(":", 1)[1] for n in names}


def case_data(path: Path) -> Graph:
    data = Graph().parse(path)
    if path.parent.name == "criteria":
        data += load_profile()
    return data


@pytest.mark.parametrize("path", ALL_CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shape_case(path: Path) -> None:
    ontology = vocabulary_graph() if path.parent.name in ("criteria", "vocabularies") else None
    report = validate(case_data(path), load_shapes(path.parent.name), ontology=ontology)
    assert {f.shape for f in report.findings} == expected_shapes(path)


@pytest.mark.parametrize(
    "path", sorted(CASES.glob("criteria/*.ttl")), ids=lambda p: f"criteria/{p.stem}"
)
def test_criteria_runner_finds_what_pyshacl_finds(path: Path) -> None:
    store = OxigraphStore(None)
    graphs = [
        URIRef(f"http://registre.test/graph/{n}") for n in ("registry", "vocabulary", "profile")
    ]
    store.replace_graphs(
        {graphs[0]: Graph().parse(path), graphs[1]: vocabulary_graph(), graphs[2]: load_profile()}
    )
    evidence = evidence_from_store(store, graphs)
    outcomes = {(c, o): s for s, (c, o) in shape_outcomes().items()}
    found = {
        outcomes[(criterion, item.outcome)]
        for per_place in evidence.values()
        for criterion, items in per_place.items()
        for item in items
    }
    assert found == expected_shapes(path)


@pytest.mark.parametrize("folder", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_every_node_shape_has_ok_and_ko_cases(folder: str) -> None:
    shapes = load_shapes(folder)
    targeted = {
        str(s)
        for s in shapes.subjects(RDF.type, SH.NodeShape)
        if any(
            (s, p, None) in shapes
            for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
        )
    }
    stems = [p.stem for p in (CASES / folder).glob("*.ttl")]
    assert targeted
    for shape in targeted:
        name = shape.rsplit("#", 1)[1]
        assert any(s.startswith(f"{name}--ok-") for s in stems), f"no --ok- case for {name}"
        assert any(s.startswith(f"{name}--ko-") for s in stems), f"no --ko- case for {name}"
