"""Turath: the shared heritage-protection information system."""

__version__ = "0.1.0"
