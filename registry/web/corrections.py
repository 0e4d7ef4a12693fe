"""« Signaler une erreur »: a form that queues a correction request for the curators."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("corrections", __name__)
