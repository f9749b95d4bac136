"""What cases does when another app reports an event (matching sends them and imports nothing of cases):
a match confirmed at a check alerts the owning agency and links a seized item to the record; a request
to be put in touch with the owners of hidden matches alerts the secretariat."""

from django.dispatch import receiver

from turath.matching.signals import contact_requested, match_confirmed

from . import services


@receiver(match_confirmed, dispatch_uid="cases.link_confirmed_match")
def link_confirmed_match(sender, user, obj, check, **kwargs):
    services.match_confirmed(user, obj, check)


@receiver(contact_requested, dispatch_uid="cases.alert_contact_request")
def alert_secretariat_of_contact_request(sender, user, check, **kwargs):
    services.alert_contact_request(user, check)
