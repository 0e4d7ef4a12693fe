"""Value repairs shared by harvesters."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from harvesters import fields


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("44300", ("44300", False)),
        ("1000", ("01000", True)),
        ("0", (None, False)),
        ("75 010", (None, False)),
        ("", (None, False)),
    ],
)
def test_postcode(value: str, expected: tuple[str | None, bool]) -> None:
    assert fields.postcode(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("www.ade-coworking.net", "http://www.ade-coworking.net"),
        ("https://atelier-d-cales.jimdo.com|site web", "https://atelier-d-cales.jimdo.com"),
        ("\u00a0www.pingpong-cowork.com", "http://www.pingpong-cowork.com"),
        ("Innovation studio\u00a0http://theschoolab.com/", "http://theschoolab.com/"),
        ("en cours", None),
        ("nomade.lyon@laposte.fr", None),
        ("Madame PATTE-AUBOURG", None),
    ],
)
def test_website_keeps_only_web_addresses(value: str, expected: str | None) -> None:
    assert fields.website(value) == (URIRef(expected) if expected else None)


@pytest.mark.parametrize(
    ("value", "host", "expected"),
    [
        ("@leKUB16210", "twitter.com", "https://twitter.com/leKUB16210"),
        ("Linkedin / Twitter: @leKUB16210", "twitter.com", "https://twitter.com/leKUB16210"),
        (
            "https://twitter.com/PIJNexon http://www.netvibes.com/aajpn",
            "twitter.com",
            "https://twitter.com/PIJNexon",
        ),
        ("swenson_global", "twitter.com", "https://twitter.com/swenson_global"),
        (
            "pages/Creafab-Lorient/309015802619837",
            "facebook.com",
            "https://www.facebook.com/pages/Creafab-Lorient/309015802619837",
        ),
        ("Le Cerisier - Cie Apsaras Théâtre", "facebook.com", None),
    ],
)
def test_social_profile(value: str, host: str, expected: str | None) -> None:
    assert fields.social_profile(value, host) == (URIRef(expected) if expected else None)


def test_decimal_rejects_out_of_range_and_text() -> None:
    assert str(fields.decimal("47,25", -90, 90)) == "47.25"
    assert fields.decimal("quarante", -90, 90) is None
    assert fields.decimal("91", -90, 90) is None
    assert fields.decimal("NaN", -90, 90) is None


@pytest.mark.parametrize(
    ("departement", "code", "agrees"),
    [
        ("44", "44109", True),
        ("2A", "97418", False),
        ("973", "97129", False),
        ("971", "97129", True),
        ("2A", "20000", True),
        ("2B", "2B033", True),
        ("92", "78686", False),
        ("75", None, True),
    ],
)
def test_departement_matches(departement: str, code: str | None, agrees: bool) -> None:
    assert fields.departement_matches(departement, code) is agrees
