"""Forms of the account pages: password reset request, token revocation."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from . import audit
from .auth import client_address, count
from .models import LoginThrottle


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset request, with a bounded number of e-mails per address and per client (so the
    form cannot be used to flood a mailbox), audited, and the e-mail in the person's own language.
    The page that follows is the same whatever happened: it never tells whether the address exists."""

    def save(self, *args, request=None, **kwargs):
        email = self.cleaned_data["email"].strip().lower()
        address = client_address(request)
        limit = settings.TURATH_PASSWORD_RESET_MAX_PER_WINDOW
        allowed = True
        for kind, key in ((LoginThrottle.RESET_ADDRESS, email), (LoginThrottle.RESET_CLIENT, address)):
            if not key:
                continue
            requests, reached = count(kind, key, limit)
            if reached:
                audit.record("core.user.password_reset_throttled", user=AnonymousUser(), object_type="client",
                             object_id=address, object_repr=email[:300], after={"by": kind, "requests": requests})
            allowed = allowed and requests <= limit
        if not allowed:
            return
        for user in self.get_users(email):
            audit.record("core.user.password_reset_requested", user, user=AnonymousUser(),
                         after={"client": address})
        super().save(*args, request=request, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(context["user"].preferred_language or settings.LANGUAGE_CODE):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class TokenRevokeForm(forms.Form):
    token = forms.IntegerField(min_value=1, max_value=2**63 - 1)
