"""Every CSV Turath writes goes through this module, so no cell becomes a spreadsheet formula.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is taken as a formula by
Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)` in a record's title would run on the
export's reader). OWASP's rule: prefix such a cell with a single quote, which spreadsheets show as
text. Two refinements:
- a cell that is only a number (`-500`, a year BCE; `-1.5`) is left as it is: no formula can hide in
  it, and numeric columns stay numeric for the reader and for our own importers;
- a cell that already starts with quotes before such a character gets one more quote, so that
  `unescape_cell` (used by the importers) gives back exactly the exported text: the round trip
  export → import is lossless.
"""

import csv
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def _needs_quote(text: str) -> bool:
    if text.startswith(FORMULA_START):
        return not _NUMBER.fullmatch(text)
    return _ESCAPED.match(text) is not None


def escape_cell(value):
    """The cell as written to a CSV file: text that a spreadsheet would evaluate gets a leading quote."""
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The text of a cell `escape_cell` wrote (for importers reading Turath's own exports)."""
    if _ESCAPED.match(text):
        return text[1:]
    return text


class SafeDictWriter(csv.DictWriter):
    """csv.DictWriter whose cells are neutralised by escape_cell."""

    def writerow(self, rowdict):
        return super().writerow({k: escape_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)

