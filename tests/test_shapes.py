"""Each node shape has a passing and a failing case; `# expect:` lists the shapes that fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from registry.validate import load_shapes, validate

CASES = Path(__file__).parent / "shapes" / "cases"
SHAPES_NS = "https://w3id.org/tiers-lieux/def/shapes#"


def expected_failures(path: Path) -> set[str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name} must start with '# expect:'"
    return {SHAPES_NS + n.removeprefix("tlsh:") for n in first.removeprefix("# expect:").split()}


@pytest.mark.parametrize("path", sorted(CASES.glob("*.ttl")), ids=lambda p: p.stem)
def test_shape_case(path: Path) -> None:
    report = validate(Graph().parse(path), load_shapes("core"))
    assert {f.shape for f in report.findings} == expected_failures(path)


def test_every_node_shape_has_ok_and_ko_cases() -> None:
    shapes = load_shapes("core")
    names = {str(s).removeprefix(SHAPES_NS) for s in shapes.subjects(RDF.type, SH.NodeShape)}
    stems = [p.stem for p in CASES.glob("*.ttl")]
    for name in names:
        assert any(s.startswith(f"{name}--ok-") for s in stems), f"no --ok- case for {name}"
        assert any(s.startswith(f"{name}--ko-") for s in stems), f"no --ko- case for {name}"
