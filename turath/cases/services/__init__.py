"""Domain logic of cases, one module per subject: reports, alerts, seizures (and their matches),
restitution, case work (journal, attachments, assignment), the timeline and the dashboards; `common`
holds what they share (dates of a story, the client's text, sharing levels, locking, snapshots).

The web UI, the API and the command line call these functions and nothing else writes; they keep
calling `services.create_report` or `from turath.cases.services import …`: this module names them all.
Refusals are core.errors: RecordInvalid(errors={field: [messages]}) for bad input, EditConflict for
a stale `expected_version`, TransitionNotAllowed for a step out of order and NotPermitted when the
user may see a case but not do this to it (the API and the forms map them, core.api / core.forms).
"""

from .alerts import (  # noqa: F401
    absolute_url,
    agency_feed,
    alert_contact_request,
    alert_language,
    alert_match_confirmed,
    alert_object,
    alert_objects,
    alert_target_url,
    alert_text,
    announce_discovered,
    email_alerts,
    inbox,
    mark_read,
    recipients_for,
    send_alerts,
)
from .casework import (  # noqa: F401
    CASE_MODELS,
    MAX_ATTACHMENT_BYTES,
    add_attachment,
    add_journal_entry,
    assign,
    attachments,
    case_kind,
    case_objects,
    get_case,
    journal,
)
from .common import (  # noqa: F401
    WIDER_SHARING,
    not_before,
    parse_day,
)
from .dashboard import (  # noqa: F401
    bar_chart_svg,
    dashboard,
    network_dashboard,
    open_cases,
)
from .reports import (  # noqa: F401
    FOUR_EYES,
    add_report_objects,
    add_report_photos,
    create_report,
    may_validate,
    second_person_needed,
    submit_report,
    update_report,
    validate_report,
)
from .restitution import (  # noqa: F401
    add_step,
    open_restitution,
    record_handover,
    update_restitution,
)
from .seizures import (  # noqa: F401
    BatchInvalid,
    BatchResult,
    add_items,
    create_seizure,
    decide_match,
    link_candidate,
    match_confirmed,
    publish_seizure,
    recognised_at_check,
    seize_recognised_object,
    seizure_items,
    update_seizure,
)
from .timeline import (  # noqa: F401
    Event,
    timeline,
)
