"""The custody of an object, listed on its page (register.links), for who may see its chain."""

from django.urls import reverse
from django.utils.translation import gettext as _

from turath.register.links import Link, provides

from .models import Holding


@provides
def custody_links(user, obj) -> list[Link]:
    holding = Holding.objects.restrict(user).filter(object=obj).select_related("entry").first()
    if holding is None:
        return []
    return [Link(_("Custody entry"), holding.entry.entry_number, reverse("custody:object", args=[obj.record_number]),
                 _("in custody") if holding.in_custody else _("exited"))]
