"""The procedure's steps by the name a page or the API asks for them (`{"action": "submit"}`).

Steps that take more than the file (a question, a recommendation, a decision) are called by name
with their arguments; this table serves the steps that take only the user and the file."""

from .evaluation import provide_information, recommend, request_information, start_evaluation
from .inscriptions import decide
from .nominations import resubmit, revise, start_file, submit

ACTIONS = {"start_file": start_file, "submit": submit, "start_evaluation": start_evaluation,
           "request_information": request_information, "provide_information": provide_information,
           "recommend": recommend, "decide": decide, "resubmit": resubmit, "revise": revise}
