"""Audit action names: one scheme, `app.model.verb` (`cases.seizure.publish`).

The log is append-only and hash-chained, so entries written before the scheme keep the names they
were written with; `canonical()` reads them under the new name, and `names_of()` gives every name
an action was ever written under, for filtering. `core.audit.record` refuses a name outside the
scheme, so a new action cannot slip back into the old style.
"""

import re

SCHEME = re.compile(r"^[a-z]+\.[a-z_]+\.[a-z_]+$")

# Old name → name in the scheme. Never remove a line: the log still holds the old names.
LEGACY = {
    # register
    "create": "register.object.create",
    "update": "register.object.update",
    "status_change": "register.object.change_status",
    "view": "register.object.view",
    "image_add": "register.object.add_image",
    "import": "register.object.import",
    "export": "register.object.export",
    "demo.load": "register.object.load_demo",
    # vocabulary and matching
    "vocabulary.import": "vocabulary.conceptscheme.import",
    "match_check": "matching.check.run",
    "match_contact_request": "matching.check.request_contact",
    "match_decision": "matching.check.decide",
    "risk_categories.import": "matching.riskcategory.import",
    # cases
    "report_create": "cases.report.create",
    "report_update": "cases.report.update",
    "report_objects": "cases.report.add_objects",
    "report_submit": "cases.report.submit",
    "report_validate": "cases.report.validate",
    "alert": "cases.alert.send",
    "seizure_create": "cases.seizure.create",
    "seizure_update": "cases.seizure.update",
    "seizure_items": "cases.seizure.add_items",
    "seizure_publish": "cases.seizure.publish",
    "seizure_match": "cases.seizure.match",
    "seizure_match_decision": "cases.seizure.decide_match",
    "restitution_open": "cases.restitution.open",
    "restitution_update": "cases.restitution.update",
    "restitution_step": "cases.restitution.add_step",
    "restitution_handover": "cases.restitution.hand_over",
    "journal": "cases.case.add_journal_entry",
    "attachment": "cases.case.add_attachment",
    "assign": "cases.case.assign",
    # custody
    "facility_create": "custody.facility.create",
    "location_create": "custody.location.create",
    "custody_entry": "custody.entry.record",
    "custody_move": "custody.move.record",
    "custody_move_correction": "custody.move.correct",
    "custody_transfer_request": "custody.transfer.request",
    "custody_transfer_acknowledged": "custody.transfer.acknowledge",
    "custody_transfer_declined": "custody.transfer.decline",
    "custody_transfer_completed": "custody.transfer.complete",
    "custody_condition": "custody.condition.record",
    "custody_exit": "custody.exit.record",
    # heritage
    "heritage.inscription": "heritage.inscription.create",
}


def canonical(action: str) -> str:
    """The action's name in the scheme, whatever name the entry was written with."""
    return LEGACY.get(action, action)


def names_of(action: str) -> list[str]:
    """Every name the action was written under (its scheme name first): for filtering the log."""
    name = canonical(action)
    return [name, *sorted(old for old, new in LEGACY.items() if new == name)]


def in_scheme(action: str) -> bool:
    return bool(SCHEME.match(action)) and action not in LEGACY
