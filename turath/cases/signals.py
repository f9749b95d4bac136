"""Events of case work that other apps act on.

Custody builds on cases (an entry comes from a seizure, an exit from a restitution), so cases imports
no custody module: it sends these, and custody connects its receivers when it starts
(custody/casework.py). The confirmed match comes the other way: matching sends
`turath.matching.signals.match_confirmed` and cases receives it (cases/receivers.py).
"""

from django.dispatch import Signal

# A restitution case's handover was recorded: case, handover, user, at (the moment of the handover).
# Sent inside the handover's transaction with Signal.send (not send_robust), so what a receiver writes
# (custody's exits) is part of the handover, and a receiver that raises undoes all of it.
restitution_handed_over = Signal()

# A seizure's date is about to change: seizure, seized_on (the new date), errors ({field: [messages]}).
# Receivers add their refusals to `errors` (custody: the lot entered custody before that date); the
# change is refused with every field's messages together.
seizure_date_changing = Signal()
