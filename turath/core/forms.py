"""What every HTML form of Turath shares: bounded text.

Django's CharField already refuses NUL characters; a text field declared without `max_length`
gets the common limit for long text (core.parsing.LONG_TEXT), so no page can store a note of
millions of characters that every agency's page then carries. The services check the same
limits (core.parsing.text_problem) for the API and the command line.
"""

from django import forms
from django.core.validators import MaxLengthValidator

from .parsing import LONG_TEXT


def limit_text_fields(form: forms.BaseForm, limit: int = LONG_TEXT) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and field.max_length is None:
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
