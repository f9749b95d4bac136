"""What other parts of Turath hold about an object (reports, alerts, seizures, custody, restitution), for its
page. Each app registers a provider when it starts; the register imports none of them (no import cycle),
and every provider answers from `restrict()` for the reader, so the page lists only what they may see."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    kind: str  # shown: «Theft report», «Seizure»… in the reader's language
    label: str  # the record's own number or name
    url: str
    note: str = ""  # its state, in the reader's language


_providers: list[Callable] = []


def provides(provider: Callable) -> Callable:
    """Register `provider(user, obj) -> list[Link]` (used as a decorator by the apps' links modules)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def links(user, obj) -> list[Link]:
    return [link for provider in _providers for link in provider(user, obj)]
