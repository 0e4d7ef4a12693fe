"""`/catalog`: the DCAT-AP 3 catalogue of the registry's datasets, and its VoID description."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalog", __name__)
