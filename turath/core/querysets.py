"""RestrictedQuerySet: `restrict(user, action)` written once, answering from the model's `permission_q`.

Kept apart from permissions.py (which holds the rules' building blocks and imports the core models) so
that core's own models (API tokens) can use it too without an import cycle.
"""

from django.db import models
from django.http import Http404

VIEW = "view"


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """The records `user` may `action`: the model's `permission_q` (superusers see everything)."""
        from .permissions import sees_everything

        if sees_everything(user):
            return self
        q = self.model.permission_q(user, action)
        return self.filter(q)

    def permits(self, user, action: str, instance) -> bool:
        """Whether `user` may `action` this one record (the same rule as the lists)."""
        return instance is not None and self.restrict(user, action).filter(pk=instance.pk).exists()

    def get_visible_or_404(self, user, action: str = VIEW, **lookup):
        try:
            return self.restrict(user, action).get(**lookup)
        except (self.model.DoesNotExist, ValueError):
            raise Http404 from None


