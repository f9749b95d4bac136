"""Reading numbers and text out of request input, in one place, for the API, the pages and imports.

Why not `value.isdigit()` then `int(value)`: `isdigit()` is true for superscripts and other digits
that `int()` refuses ("²"), and `int()` happily returns numbers the database cannot store
(9223372036854775808). Both ended in 500s. `isdecimal()` is exactly what `int()` accepts (decimal
digits of any script, so Arabic-Indic «١٢» is 12), and ids are kept within a signed 64-bit integer.

Text from clients is refused rather than coerced when it is not text (a JSON object or list where
a string is expected), contains NUL (PostgreSQL cannot store it, SQLite truncates at it in places)
or is longer than its field allows (a five-million-character note made every page showing it
10 MB).
"""

import math
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1  # PostgreSQL bigint, SQLite INTEGER

# Length limits of free text from clients (characters). Names, references and titles are short;
# descriptions, notes and circumstances are long but bounded.
SHORT_TEXT = 300
LONG_TEXT = 20_000


def parse_int(value, *, min_value: int = -MAX_ID, max_value: int = MAX_ID) -> int | None:
    """An integer from request input (an int, or a string of decimal digits with an optional sign),
    within [min_value, max_value]; None for anything else (booleans, floats, "abc", "²", "1e3")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits or not digits.isdecimal() or len(digits) > 20:
            return None
        number = int(text)
    else:
        return None
    return number if min_value <= number <= max_value else None


def parse_id(value) -> int | None:
    """A database id (1 … 2**63-1) from request input, or None."""
    return parse_int(value, min_value=1)


def is_id(value) -> bool:
    return parse_id(value) is not None


def id_or_404(value) -> int:
    """The id in a URL, or 404 (an id that cannot exist names nothing)."""
    number = parse_id(value)
    if number is None:
        raise Http404
    return number


def parse_number(value) -> float | None:
    """A finite number from request input (int, float or a numeric string); None for NaN, ±inf,
    booleans and anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def text_problem(value, *, max_length: int = LONG_TEXT) -> str | None:
    """Why a client's value cannot be stored in a text field, or None when it can.
    None and numbers are acceptable (they become "" and their decimal form)."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return None
    if not isinstance(value, str):
        return _("Text is expected here, not a list or an object.")
    if "\x00" in value:
        return _("Text may not contain NUL characters.")
    if len(value) > max_length:
        return _("At most %(limit)s characters (this text has %(length)s).") % {
            "limit": max_length, "length": len(value)}
    return None


def clean_text(value, *, max_length: int = LONG_TEXT) -> str:
    """The text of a client's value, stripped; ValidationError if it is not text, holds NUL or is too long."""
    problem = text_problem(value, max_length=max_length)
    if problem:
        raise ValidationError(problem, code="text")
    return "" if value is None else str(value).strip()


def check_texts(data: dict, limits: dict[str, int], errors: dict) -> None:
    """Add an error for each field of `data` named in `limits` whose value is not acceptable text."""
    if not isinstance(data, dict):
        return
    for key, limit in limits.items():
        problem = text_problem(data.get(key), max_length=limit)
        if problem:
            errors.setdefault(key, []).append(problem)


def refuse_nul(value, path: str = "") -> None:
    """ValidationError naming the first string (or key) anywhere in a decoded JSON value holding NUL."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError({path or "non_field_errors": [_("Text may not contain NUL characters.")]})
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key, path)
            refuse_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_nul(item, f"{path}[{index}]" if path else f"[{index}]")


def moment_of_day(day: date) -> datetime:
    """When an event known only by its date took place, to order it among events recorded with a time:
    now when the day is today (noon would be in the future this morning, and before this afternoon's
    events), else noon that day. A later day stays in the future, for the caller to refuse."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=12)))
