"""What `/healthz` reports besides "ok": each app with something to say about its readiness adds a
reporter when it starts (matching: how far its index has got), so core names no app (core sits
below every app and imports none of them; core/tests/test_architecture.py checks it)."""

from collections.abc import Callable

_reporters: dict[str, Callable[[], dict]] = {}


def add_reporter(key: str, report: Callable[[], dict]) -> None:
    """Register `report() -> dict`, shown under `key` in /healthz (called from an AppConfig.ready)."""
    _reporters[key] = report


def reports() -> dict[str, dict]:
    return {key: report() for key, report in _reporters.items()}
