"""Hijri ↔ Gregorian year conversion for dating objects.

Modern years (1343–1500 AH) use hijridate's Umm al-Qura tables; historical years use the
arithmetical (tabular) Islamic calendar, the convention of museum catalogues.
"""

from datetime import date

from hijridate import Hijri

_EPOCH_JD = 1948439.5  # Julian day of 1 Muharram 1 AH (Friday, 16 July 622, Julian)


def _tabular_to_jd(year: int, month: int, day: int) -> float:
    return day + int(29.5 * (month - 1) + 0.99) + (year - 1) * 354 + (3 + 11 * year) // 30 + _EPOCH_JD - 1


def _jd_to_gregorian(jd: float) -> date:
    # Fliegel–Van Flandern; proleptic Gregorian like Python's date.
    j = int(jd + 0.5)
    a = j + 32044
    b = (4 * a + 3) // 146097
    c = a - 146097 * b // 4
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    day = e - (153 * m + 2) // 5 + 1
    month = m + 3 - 12 * (m // 10)
    year = 100 * b + d - 4800 + m // 10
    return date(year, month, day)


def hijri_to_gregorian(year: int, month: int = 1, day: int = 1) -> date:
    if year < 1:
        raise ValueError("Hijri years start at 1 AH.")
    if 1343 <= year <= 1500:
        return Hijri(year, month, day).to_gregorian()
    return _jd_to_gregorian(_tabular_to_jd(year, month, day))


def hijri_year_span(year: int) -> tuple[int, int]:
    """Gregorian years covered by a Hijri year: 656 AH → (1258, 1259)."""
    start = hijri_to_gregorian(year, 1, 1)
    end_next = hijri_to_gregorian(year + 1, 1, 1) if year < 1500 else hijri_to_gregorian(year, 12, 29)
    last_day_year = end_next.year if (end_next.month, end_next.day) != (1, 1) else end_next.year - 1
    return start.year, last_day_year
