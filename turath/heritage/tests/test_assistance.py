"""Emergency allocations, disbursements and state-of-conservation reports."""

from decimal import Decimal

import pytest

from turath.core.errors import NotPermitted, RecordInvalid
from turath.core.models import AuditEntry
from turath.heritage import services

from .factories import place


def test_allocation_and_disbursement(users, actor):
    p = place(users["eg_ministry_editor"])
    sec = users["secretariat_editor"]
    with pytest.raises(NotPermitted):
        services.allocate_emergency(users["eg_ministry_agency_admin"], p, amount="5000", currency="USD",
                                    purpose="Shoring of the north wall")
    with pytest.raises(RecordInvalid) as exc:
        services.allocate_emergency(sec, p, amount="-1", currency="US", purpose="")
    assert set(exc.value.errors) == {"amount", "currency", "purpose"}
    with actor(sec):
        a = services.allocate_emergency(sec, p, amount="25000.50", currency="usd", purpose="تدعيم السور الشمالي")
        services.record_disbursement(sec, a, "10000")
    assert a.status == "partly_disbursed" and a.currency == "USD"
    with pytest.raises(RecordInvalid):
        services.record_disbursement(sec, a, "15000.51")
    services.record_disbursement(sec, a, "15000.50")
    a.refresh_from_db()
    assert a.status == "disbursed" and a.disbursed_amount == Decimal("25000.50")
    assert AuditEntry.objects.filter(action="heritage.allocation.disburse").count() == 2


def test_conservation_report_by_own_agency_only(users):
    p = place(users["eg_ministry_editor"])
    report = services.add_conservation_report(users["eg_ministry_contributor"], p, year=2026,
                                              threats="Groundwater rise", summary={"lang": "fr", "text": "Remontées"})
    assert report.submitted_by.code == "eg-moa"
    with pytest.raises(NotPermitted):
        services.add_conservation_report(users["ma_museum_editor"], p, year=2026, threats="", summary={})
