"""Registre ouvert des tiers-lieux: the core package (no Flask here)."""

__version__ = "0.1.0"
