import pytest

from turath.core.hijri import hijri_to_gregorian, hijri_year_span
from turath.register.dates import DateError, parse_date


def test_historical_hijri_years_use_the_tabular_calendar():
    # 656 AH, the fall of Baghdad: 1258 CE. 1 AH began in July 622.
    assert hijri_year_span(656) == (1258, 1259)
    assert hijri_to_gregorian(1).year == 622 and hijri_to_gregorian(1).month == 7


def test_modern_hijri_dates_use_umm_al_qura():
    d = hijri_to_gregorian(1445, 1, 1)
    assert (d.year, d.month, d.day) == (2023, 7, 19)


@pytest.mark.parametrize(
    "text, earliest, latest, calendar",
    [
        ("1250", 1250, 1250, "gregorian"),
        ("c. 1250", 1250, 1250, "gregorian"),
        ("1250–1300", 1250, 1300, "gregorian"),
        ("300 BCE", -300, -300, "gregorian"),
        ("300 av. J.-C.", -300, -300, "gregorian"),
        ("300 ق.م", -300, -300, "gregorian"),
        ("656 AH", 1258, 1259, "hijri"),
        ("٦٥٦ هـ", 1258, 1259, "hijri"),
        ("12th century", 1101, 1200, "gregorian"),
        ("XIIe siècle", 1101, 1200, "gregorian"),
        ("القرن 12", 1101, 1200, "gregorian"),
    ],
)
def test_parse_date(text, earliest, latest, calendar):
    parsed = parse_date(text)
    assert (parsed.earliest, parsed.latest, parsed.calendar) == (earliest, latest, calendar)
    assert parsed.text == text


@pytest.mark.parametrize("text", ["Mamluk", "1300-1250", "0 AH", "hier"])
def test_unreadable_dates_are_refused_with_a_message(text):
    with pytest.raises(DateError) as err:
        parse_date(text)
    assert text in str(err.value)
