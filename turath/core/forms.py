"""Forms of core: the bounded text every HTML form of Turath shares, and the account pages' forms
(password reset request, token revocation).

Django's CharField already refuses NUL characters; a text field declared without `max_length`
gets the common limit for long text (core.parsing.LONG_TEXT), so no page can store a note of
millions of characters that every agency's page then carries. The services check the same
limits (core.parsing.text_problem) for the API and the command line.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import AnonymousUser
from django.core.validators import MaxLengthValidator
from django.utils import translation

from . import audit
from .auth import client_address, count
from .errors import DomainError, RecordInvalid
from .models import LoginThrottle
from .parsing import LONG_TEXT


def add_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """A service's refusal shown on the form: each message of RecordInvalid next to the field it
    names (the form's top when the form has no such field), any other domain error at the top.
    The one place forms map core.errors (the API's is core.api.api_exception)."""
    if isinstance(exc, RecordInvalid):
        for field, messages in exc.errors.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        form.add_error(None, str(exc))


def message_domain_error(request, exc: DomainError) -> None:
    """The same for a page without a form (a button): the refusal as an error message."""
    from django.contrib import messages

    texts = ([m for ms in exc.errors.values() for m in ms] if isinstance(exc, RecordInvalid) else [str(exc)])
    for text in texts:
        messages.error(request, text)


def limit_text_fields(form: forms.BaseForm, limit: int = LONG_TEXT) -> None:
    for field in form.fields.values():
        # UUIDField is a CharField whose value is not text (a UUID has no length)
        if isinstance(field, forms.CharField) and not isinstance(field, forms.UUIDField) and field.max_length is None:
            field.max_length = limit
            field.validators.append(MaxLengthValidator(limit))
            if not field.widget.is_hidden:
                field.widget.attrs.update(field.widget_attrs(field.widget))


class TextLimits:
    """Mixin for forms.Form: limits applied to the fields declared and to those added in __init__."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_text_fields(self)

    def full_clean(self):
        limit_text_fields(self)  # fields added after __init__ (e.g. the register's translations)
        super().full_clean()


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
