"""What apps built on cases add to its pages: events of a case's timeline and figures of the agency's
dashboard. Custody registers its providers when it starts (custody/casework.py), as the apps register
what an object's page lists (register.links): cases imports none of them (no import cycle), and every
provider answers through restrict() for the reader."""

from collections.abc import Callable

_event_providers: list[Callable] = []
_figure_providers: list[Callable] = []


def timeline_events(provider: Callable) -> Callable:
    """Register `provider(user, objects) -> list[services.Event]`: what happened to a case's objects."""
    if provider not in _event_providers:
        _event_providers.append(provider)
    return provider


def dashboard_figures(provider: Callable) -> Callable:
    """Register `provider(agency, lang) -> dict`: entries of the agency's dashboard figures."""
    if provider not in _figure_providers:
        _figure_providers.append(provider)
    return provider


def events_for(user, objects) -> list:
    return [event for provider in _event_providers for event in provider(user, objects)]


def figures_for(agency, lang: str) -> dict:
    figures: dict = {}
    for provider in _figure_providers:
        figures.update(provider(agency, lang))
    return figures
