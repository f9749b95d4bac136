"""Template helpers about the register's records (core's `turath` library knows no app)."""

from django import template

from turath.register.dates import format_date

register = template.Library()


@register.filter
def record_date(obj):
    """How the record's date reads: its text as entered, or its year range (register.dates)."""
    return format_date(obj)
