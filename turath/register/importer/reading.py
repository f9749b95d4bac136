"""Reading an import file: its encoding (detected or declared), lines ending in LF, CRLF or a bare CR,
CSV rows with the delimiter sniffed, JSON arrays element by element; a row that cannot be read is a
report line naming it, never a traceback."""

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator

from django.utils.translation import gettext as _

from turath.core import csvsafe

from .columns import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ImportFileError,
)
from .report import RecordImportReport


def template_header(delimiter: str = ",") -> str:
    return delimiter.join(COLUMNS)


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes are valid UTF-8, else charset-normalizer's guess
    among the encodings the member states' files come in (Windows-1256 Arabic, Latin-1 French)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp1256", "cp1252", "latin_1", "utf_8"]).best()
    if best is None:
        raise ImportFileError(_("Cannot tell the file's encoding; declare it with --encoding (utf-8, cp1256, latin-1)."))
    return best.encoding


_BARE_CR = re.compile(rb"(?<=\r)(?!\n)")
_CR_SAMPLE_BYTES = 1 << 20


def _raw_lines(fh) -> Iterator[bytes]:
    """The file's lines, ending in LF, CRLF or a bare CR (old Macintosh spreadsheets end lines with CR
    alone; the csv module refuses a CR inside an unquoted field). Lines are split at bare CRs only when
    the file's first MiB has one: checking each line costs about 3 µs, several times reading it."""
    start = fh.tell()
    sample = fh.read(_CR_SAMPLE_BYTES)
    fh.seek(start)
    if not _BARE_CR.search(sample):
        yield from fh  # a bare CR further on ends in a report line (see read_csv), never a traceback
        return
    for raw in fh:
        if b"\r" in raw and _BARE_CR.search(raw):
            yield from (part for part in _BARE_CR.split(raw) if part)
        else:
            yield raw


def _decoded_lines(fh, encoding: str) -> Iterator[str]:
    """Lines decoded one by one, so bytes that do not decode are reported with their line number.
    (In UTF-8, Windows-1256 and Latin-1 a newline byte is always a newline.)"""
    codec = codecs.lookup(encoding).name
    for number, raw in enumerate(_raw_lines(fh), 1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8) and codec.startswith("utf-8"):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            yield raw.decode("utf-8" if codec.startswith("utf-8") else codec)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _("Line %(line)d: bytes that are not valid %(enc)s (byte 0x%(byte)02X at position %(pos)d). "
                  "Declare the file's encoding with --encoding (e.g. cp1256 for Arabic Windows files, "
                  "latin-1 for older French files).")
                % {"line": number, "enc": encoding, "byte": raw[exc.start], "pos": exc.start + 1}) from None


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


# A cell longer than this is reported (the csv module's own default limit). The module's limit is
# raised above it so that the reader hands the cell over and the report can name its column; it is
# process-wide, and only ever raised.
MAX_CELL_CHARS = 131_072
_CSV_READ_LIMIT = 64 * 1024 * 1024


def read_csv(fh, encoding: str, report: RecordImportReport, delimiter: str | None = None) -> Iterator[tuple[str, dict]]:
    """(row label, row dict) for each data row; raises ImportFileError for a bad header."""
    lines = _decoded_lines(fh, encoding)
    first = next(lines, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    report.delimiter = delimiter or _sniff_delimiter(first)

    def chain():
        yield first
        yield from lines

    if csv.field_size_limit() < _CSV_READ_LIMIT:
        csv.field_size_limit(_CSV_READ_LIMIT)
    reader = csv.reader(chain(), delimiter=report.delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise ImportFileError(_("The header line cannot be read as CSV: %(e)s.") % {"e": exc}) from None
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ImportFileError(_("Unknown columns: %(cols)s. Known columns: %(known)s.")
                              % {"cols": ", ".join(unknown) or "(empty name)", "known": ", ".join(COLUMNS)})
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise ImportFileError(_("Columns given twice: %(cols)s.") % {"cols": ", ".join(duplicated)})
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not any(h.startswith(("title", "description")) for h in header):
        missing.append("title or description")
    if missing:
        raise ImportFileError(_("Missing required columns: %(cols)s.") % {"cols": ", ".join(missing)})
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader starts afresh at the next line: the rest of the file is still checked.
            start, line = line, reader.line_num + 1
            yield f"line {start}", {"__malformed__": _("Cannot be read as CSV: %(e)s.") % {"e": exc},
                                    "record_number": ""}
            continue
        start, line = line, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue  # a blank line, or an empty row of a spreadsheet (",,,,")
        label = f"line {start}"
        if len(values) != len(header):
            yield label, {"__malformed__": _("%(n)d values for %(m)d columns (check the quoting and the delimiter).")
                          % {"n": len(values), "m": len(header)}, "record_number": values[0] if values else ""}
            continue
        # Turath's own exports quote cells a spreadsheet would evaluate (core.csvsafe): read back as exported.
        row = dict(zip(header, map(csvsafe.unescape_cell, values), strict=True))
        too_long = {name: [_("%(n)d characters, over the limit of %(max)d for one cell.")
                           % {"n": len(value), "max": MAX_CELL_CHARS}]
                    for name, value in row.items() if len(value) > MAX_CELL_CHARS}
        if too_long:
            yield label, {"__malformed__": too_long, "record_number": row.get("record_number", "")[:100]}
            continue
        yield label, row


def read_json(fh, encoding: str) -> Iterator[tuple[str, dict]]:
    """Elements of a top-level array, or of the "objects" array of a top-level object, one at a time."""
    text = io.TextIOWrapper(fh, encoding="utf-8" if encoding.startswith("utf") else encoding, errors="strict")
    stream = _JsonStream(text)
    try:
        first = stream.peek()
        if first == "[":
            items = stream.array()
        elif first == "{":
            items = stream.object_member("objects")
        else:
            raise ImportFileError(_("A JSON import is an array of records or {\"objects\": [...]}."))
        for index, item in enumerate(items):
            label = f"[{index}]"
            if not isinstance(item, dict):
                yield label, {"__malformed__": _("Each record is a JSON object."), "record_number": ""}
            else:
                yield label, item
    except json.JSONDecodeError as exc:
        raise ImportFileError(_("Not valid JSON near character %(pos)d: %(msg)s")
                              % {"pos": stream.consumed + exc.pos, "msg": exc.msg}) from None
    except UnicodeDecodeError:
        raise ImportFileError(_("The JSON file is not valid %(enc)s; declare its encoding with --encoding.")
                              % {"enc": encoding}) from None


class _JsonStream:
    """Just enough of an incremental JSON reader to walk one array without loading the file."""

    CHUNK = 1 << 16

    def __init__(self, text):
        self.text, self.buf, self.pos, self.consumed, self.eof = text, "", 0, 0, False
        self.decoder = json.JSONDecoder()

    def _fill(self):
        if self.eof:
            return False
        chunk = self.text.read(self.CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.consumed += self.pos
        self.buf, self.pos = self.buf[self.pos:] + chunk, 0
        return True

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, char):
        if self.peek() != char:
            raise json.JSONDecodeError(f"expected {char!r}", self.buf, self.pos)
        self.pos += 1

    def value(self):
        while True:
            self.peek()
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
                # A number at the end of the buffer may continue in the next chunk.
                if end == len(self.buf) and not self.eof and self._fill():
                    continue
                self.pos = end
                return value
            except json.JSONDecodeError:
                if not self._fill():
                    raise

    def array(self):
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("]")
            return

    def object_member(self, wanted):
        self.expect("{")
        while self.peek() != "}":
            key = self.value()
            self.expect(":")
            if key == wanted:
                yield from self.array()
            else:
                self.value()
            if self.peek() == ",":
                self.pos += 1
        self.pos += 1
