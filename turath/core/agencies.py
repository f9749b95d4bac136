"""An agency's own settings, changed by its administrator and audited."""

from django.db import transaction
from django.utils.translation import gettext as _

from . import audit
from .errors import NotPermitted
from .models import Role


def set_four_eyes(user, enabled: bool):
    """Whether a second person of the agency must validate what one person drafted or submitted."""
    agency = user.agency if user.is_authenticated else None
    if agency is None or not user.has_role(Role.AGENCY_ADMIN):
        raise NotPermitted(_("Only the agency's administrator changes its settings."))
    with transaction.atomic():
        before = agency.four_eyes_validation
        agency.four_eyes_validation = bool(enabled)
        agency.save(update_fields=["four_eyes_validation"])
        audit.record("core.agency.four_eyes", agency, before={"four_eyes_validation": before},
                     after={"four_eyes_validation": agency.four_eyes_validation})
    return agency
