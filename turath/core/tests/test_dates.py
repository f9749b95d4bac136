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


def test_date_errors_and_eras_read_in_the_users_language():
    """A date error is translated when shown, so the one remembered per written text
    (services._parse_date) reads right in every language; Hijri and BCE dates read the same way."""
    from types import SimpleNamespace

    from django.utils import translation

    from turath.register import services
    from turath.register.dates import format_date

    with translation.override("en"):  # the check too: an earlier test's request may have left another language active
        with pytest.raises(DateError) as first:
            services._parse_date("1300-1250")
        assert str(first.value) == "«1300-1250»: the range ends before it starts."
    with translation.override("fr"):
        with pytest.raises(DateError) as again:
            services._parse_date("1300-1250")  # remembered, now shown in French
        assert str(again.value) == "«1300-1250» : la période finit avant de commencer."
    with translation.override("ar"):
        with pytest.raises(DateError) as arabic:
            parse_date("1600 هـ")
        assert str(arabic.value).startswith("«1600 هـ»") and "1500" in str(arabic.value)
        assert "Hijri" not in str(arabic.value)

    hijri = SimpleNamespace(date_calendar="hijri", hijri_earliest=656, hijri_latest=656, date_earliest=1258,
                            date_latest=1258, date_text="656 هـ")
    bce = SimpleNamespace(date_calendar="gregorian", hijri_earliest=None, hijri_latest=None, date_earliest=-300,
                          date_latest=-300, date_text="")
    with translation.override("ar"):
        assert format_date(hijri) == "656 هـ (1258 م)"
        assert format_date(bce) == "300 ق.م"
    with translation.override("fr"):
        assert format_date(hijri) == "656 H (1258 apr. J.-C.)"
        assert format_date(bce) == "300 av. J.-C."
    with translation.override("en"):
        assert format_date(hijri) == "656 AH (1258 CE)"
        hijri.hijri_latest, hijri.date_latest = 700, 1301
        assert format_date(hijri) == "656–700 AH (1258–1301 CE)"


def test_a_date_error_without_parameters_reads_as_written():
    assert str(DateError("50% illisible")) == "50% illisible"
