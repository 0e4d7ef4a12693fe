"""Territoires: a page per région, département and EPCI (counts, coverage, white zones, map)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("territories", __name__)


@bp.get("/territoires")
def index() -> str:
    """The régions, départements and EPCI, each with its number of places."""
    return render_template("pages/territories.html")
