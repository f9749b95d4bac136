"""Parse how a date is written on a record into a year range (CE), keeping Hijri years as entered.

Accepts: "1250", "c. 1250", "1250-1300", "300 BCE", "300 av. J.-C.", "300 ق.م", "656 AH",
"656 هـ", "656-700 AH", "12th century", "XIIe siècle", "القرن 12". A named period is a concept,
not a date, and goes in the period field.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from turath.core.hijri import hijri_year_span
from turath.core.textnorm import _DIGITS


class DateError(ValueError):
    """A date that cannot be read. The message is translated when it is shown (str()), in the
    language active then, so a remembered error (services._parse_date) reads right for every user."""

    def __init__(self, message, params: dict | None = None):
        super().__init__(message, params or {})
        self.message, self.params = message, params or {}

    def __str__(self):
        return str(self.message) % self.params if self.params else str(self.message)


@dataclass
class ParsedDate:
    text: str
    calendar: str = ""
    earliest: int | None = None
    latest: int | None = None
    hijri_earliest: int | None = None
    hijri_latest: int | None = None


_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_BCE = r"(?:bce|bc|b\.c\.e?\.?|av\.?\s*j\.?-?\s*c\.?|avant\s+j\.?-?c\.?|ق\.?\s*م\.?|قبل\s+الميلاد)"
_AH = r"(?:ah|a\.h\.|h|hijri|hégire|de\s+l'hégire|هـ|ه|هجري|هجرية)"
_CIRCA = re.compile(r"^(?:c\.|ca\.?|circa|vers|env\.?|environ|حوالي|نحو)\s*", re.IGNORECASE)
_RANGE = re.compile(r"^(-?\d{1,4})\s*(?:-|–|—|to|à|a|إلى|الى|/)\s*(-?\d{1,4})$", re.IGNORECASE)


def _roman(s: str) -> int:
    total, prev = 0, 0
    for ch in reversed(s.lower()):
        v = _ROMAN[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


def parse_date(text: str) -> ParsedDate | None:
    raw = (text or "").strip()
    if not raw:
        return None
    s = _CIRCA.sub("", raw.translate(_DIGITS)).strip().rstrip(".")
    s_low = s.lower()

    m = re.match(rf"^(\d{{1,4}})(?:\s*(?:-|–|to|à|إلى)\s*(\d{{1,4}}))?\s*{_AH}$", s_low)
    if m:
        h1 = int(m.group(1))
        h2 = int(m.group(2) or h1)
        if h1 < 1 or h2 < h1 or h2 > 1500:
            raise DateError(gettext_lazy("«%(text)s»: Hijri years must run from 1 to 1500 AH, earliest first."),
                            {"text": raw})
        return ParsedDate(raw, "hijri", hijri_year_span(h1)[0], hijri_year_span(h2)[1], h1, h2)

    m = re.match(rf"^(\d{{1,4}})(?:\s*(?:-|–|to|à|إلى)\s*(\d{{1,4}}))?\s*{_BCE}$", s_low)
    if m:
        a, b = -int(m.group(1)), -int(m.group(2) or m.group(1))
        return ParsedDate(raw, "gregorian", min(a, b), max(a, b))

    m = re.match(r"^(\d{1,2})(?:st|nd|rd|th)\s+century(?:\s+(bce|bc|ce|ad))?$", s_low) \
        or re.match(r"^([ivxlc]+)(?:e|ème|eme)\s+siècle(?:\s+(av\.?\s*j\.?-?c\.?))?$", s_low) \
        or re.match(r"^القرن\s+(\d{1,2})(?:\s+(ق\.?\s*م\.?))?$", s)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _roman(m.group(1))
        if m.group(2) and m.group(2).lower() not in ("ce", "ad"):
            return ParsedDate(raw, "gregorian", -100 * n, -100 * (n - 1) - 1)
        return ParsedDate(raw, "gregorian", 100 * (n - 1) + 1, 100 * n)

    m = _RANGE.match(s_low)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if b < a:
            raise DateError(gettext_lazy("«%(text)s»: the range ends before it starts."), {"text": raw})
        return ParsedDate(raw, "gregorian", a, b)
    m = re.match(r"^(-?\d{1,4})(?:\s*(?:ce|ad|ap\.?\s*j\.?-?c\.?|م))?$", s_low)
    if m:
        y = int(m.group(1))
        return ParsedDate(raw, "gregorian", y, y)
    raise DateError(gettext_lazy(
        "«%(text)s»: not a date Turath can read. Write a year (1250), a range (1250-1300), "
        "a Hijri year (656 AH), a century (12th century) or BCE (300 BCE); put a named period in «period»."
    ), {"text": raw})


def format_date(obj) -> str:
    """How a record's date reads on a page: the text as written, then the Gregorian equivalent of Hijri dates."""
    if obj.date_calendar == "hijri" and obj.hijri_earliest:
        h = f"{obj.hijri_earliest}" if obj.hijri_earliest == obj.hijri_latest else f"{obj.hijri_earliest}–{obj.hijri_latest}"
        g = f"{obj.date_earliest}" if obj.date_earliest == obj.date_latest else f"{obj.date_earliest}–{obj.date_latest}"
        return _("%(hijri)s AH (%(gregorian)s CE)") % {"hijri": h, "gregorian": g}
    if obj.date_earliest is None:
        return obj.date_text
    def fmt(y):
        return _("%(year)d BCE") % {"year": -y} if y < 0 else str(y)
    if obj.date_earliest == obj.date_latest:
        return obj.date_text if obj.date_text and not obj.date_text.strip("-").isdigit() else fmt(obj.date_earliest)
    return f"{obj.date_text} ({fmt(obj.date_earliest)}–{fmt(obj.date_latest)})" if obj.date_text else \
        f"{fmt(obj.date_earliest)}–{fmt(obj.date_latest)}"
