"""Heritage list domain logic: plain functions called by the views, the API and the command line.

One module per subject: places (records, states, how they are shown), deadlines (the yearly
calendar), roles (who acts in the procedure), procedure (the state machine: every step goes
through `procedure.transition()`), nominations (a file up to its submission), evaluation,
inscriptions (the committee's decision and the list in danger) and assistance (emergency
allocations, state-of-conservation reports). Callers import them from here.
"""

from .actions import ACTIONS
from .assistance import add_conservation_report, allocate_emergency, record_disbursement
from .deadlines import DEFAULT_CALENDAR, Deadline, calendar, deadline, earliest_cycle, next_deadline
from .evaluation import (
    assign_evaluator,
    declare_conflict_of_interest,
    provide_information,
    recommend,
    request_information,
    start_evaluation,
    submit_evaluation_report,
)
from .inscriptions import decide, enter_danger_list, leave_danger_list
from .nominations import (
    REQUIRED_ATTACHMENTS,
    SECTIONS,
    add_attachment,
    create_preliminary_entry,
    missing_items,
    resubmit,
    revise,
    start_file,
    submit,
    update_sections,
)
from .places import (
    PLACE_JSON_FIELDS,
    PLACE_TEXT_FIELDS,
    create_place,
    geojson_feature,
    is_currently_in_danger,
    serialize_place,
    set_states,
    states_label,
)
from .procedure import DECISION_STATE, TRANSITIONS, Transition, allowed_actions, check_allowed, transition
from .roles import acts_for_secretariat, acts_for_state, is_assigned_evaluator, is_secretariat, may_list_in_danger

__all__ = [
    "ACTIONS", "DECISION_STATE", "DEFAULT_CALENDAR", "PLACE_JSON_FIELDS", "PLACE_TEXT_FIELDS", "REQUIRED_ATTACHMENTS",
    "SECTIONS", "TRANSITIONS", "Deadline", "Transition", "acts_for_secretariat", "acts_for_state", "add_attachment",
    "add_conservation_report", "allocate_emergency", "allowed_actions", "assign_evaluator", "calendar",
    "check_allowed", "create_place", "create_preliminary_entry", "deadline", "decide", "declare_conflict_of_interest",
    "earliest_cycle", "enter_danger_list", "geojson_feature", "is_assigned_evaluator", "is_currently_in_danger",
    "is_secretariat", "leave_danger_list", "may_list_in_danger", "missing_items", "next_deadline",
    "provide_information", "recommend", "record_disbursement", "request_information", "resubmit", "revise",
    "serialize_place", "set_states", "start_evaluation", "start_file", "states_label", "submit",
    "submit_evaluation_report", "transition", "update_sections",
]
