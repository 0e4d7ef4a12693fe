"""`/donnees/…`: the dumps `tierslieux publish` writes, served as static files."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("downloads", __name__)
