"""Matching's API routes (under /api/v1/): checks at inspection and their decisions."""

from .api import urlpatterns  # declared beside the views

__all__ = ["urlpatterns"]
