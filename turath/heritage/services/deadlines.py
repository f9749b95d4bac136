"""The yearly calendar of the procedure: its deadlines (defaults amended by CalendarDeadline rows)
and the next date that matters for a file."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import CalendarDeadline
from ..models import NominationState as S

DEFAULT_CALENDAR = {
    "preliminary_list": (3, 15, gettext_lazy("Preliminary list entries")),
    "applications": (7, 15, gettext_lazy("Nomination files due")),
    "evaluation_end": (9, 15, gettext_lazy("End of evaluation")),
    "documents": (10, 15, gettext_lazy("Documents sent to members")),
    "session_start": (11, 1, gettext_lazy("Committee session opens")),
    "session_end": (11, 30, gettext_lazy("Committee session closes")),
    "notification": (12, 31, gettext_lazy("Decisions notified")),
}



@dataclass(frozen=True)
class Deadline:
    key: str
    date: datetime.date
    label: str


def calendar() -> dict[str, tuple[int, int, str]]:
    """The calendar in force: the defaults, amended by CalendarDeadline rows."""
    out = dict(DEFAULT_CALENDAR)
    for row in CalendarDeadline.objects.all():
        out[row.key] = (row.month, row.day, row.label_en)
    return out


def deadline(key: str, year: int, cal=None) -> Deadline:
    month, day, label = (cal or calendar())[key]
    return Deadline(key, datetime.date(year, month, day), str(label))


def earliest_cycle(nomination, today: datetime.date, cal=None) -> int:
    """The first session year a file can still reach: applications by 15 July, on the preliminary list by 15 March."""
    cal = cal or calendar()
    year = today.year if today <= deadline("applications", today.year, cal).date else today.year + 1
    listed_on = timezone.localdate(nomination.created) if nomination.created else today
    while listed_on > deadline("preliminary_list", year, cal).date:
        year += 1
    return year


def next_deadline(nomination, today: datetime.date | None = None) -> Deadline | None:
    """The next date that matters for this file in its present state."""
    today = today or timezone.localdate()
    cal = calendar()
    state = nomination.state
    if state in (S.PRELIMINARY, S.DRAFT, S.DEFERRED, S.REFERRED):
        if state in (S.DEFERRED, S.REFERRED) and nomination.cycle_year:
            notice = deadline("notification", nomination.cycle_year, cal)
            if today <= notice.date:
                return notice
        return deadline("applications", earliest_cycle(nomination, today, cal), cal)
    year = nomination.cycle_year or today.year
    if state in (S.SUBMITTED, S.EVALUATION, S.INFORMATION_REQUESTED):
        for key in ("evaluation_end", "documents", "session_start"):
            d = deadline(key, year, cal)
            if today <= d.date:
                return d
        return deadline("session_start", year + 1, cal)
    if state == S.RECOMMENDED:
        for key in ("documents", "session_start", "session_end"):
            d = deadline(key, year, cal)
            if today <= d.date:
                return d
        return deadline("session_start", year + 1, cal)
    if state in (S.INSCRIBED, S.NOT_INSCRIBED):
        d = deadline("notification", year, cal)
        return d if today <= d.date else None
    return None

