"""What cases does when another app reports an event: a match confirmed at a check (matching sends it,
and imports nothing of cases) alerts the owning agency and links a seized item to the record."""

from django.dispatch import receiver

from turath.matching.signals import match_confirmed

from . import services


@receiver(match_confirmed, dispatch_uid="cases.link_confirmed_match")
def link_confirmed_match(sender, user, obj, check, **kwargs):
    services.match_confirmed(user, obj, check)
