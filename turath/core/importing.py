"""What an import found, told the same way by every importer: the register's records (register.importing),
the SKOS thesauri (vocabulary.services.import_skos), the UNESCO World Heritage List (heritage.unesco).

`ImportReport` counts rows read, created, updated, unchanged and failed, holds the errors of the file
as a whole (`file_errors`: it cannot be read) and of each row (`row_errors`: which row, which field,
why), and says whether anything was written (`committed`) and whether it was a dry run. It is given
to the command line as text (`as_text`) and to a client as JSON (`as_dict`). An importer subclasses it
to add what only it knows (the register's encoding and delimiter, the thesaurus's schemes and labels);
the counters and the errors are never redefined.

A row's errors are `{field: [messages]}`, the shape of core.errors.RecordInvalid, so a service's
refusal becomes a report row unchanged.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass
class RowError:
    row: int | str  # where: a spreadsheet row (6), a CSV line ("line 12"), a JSON index ("[3]")
    errors: dict[str, list[str]]  # field → messages ("row" for the row as a whole)
    key: str = ""  # the row's own identifier when it has one (a record number, a UNESCO id_no)
    suggestions: dict = field(default_factory=dict)  # field → terms the reader may have meant

    def messages(self) -> Iterator[tuple[str, str]]:
        """(field, message) pairs, one per message."""
        for name, messages in self.errors.items():
            for message in messages:
                yield name, str(message)

    @property
    def where(self) -> str:
        return f"row {self.row}" if isinstance(self.row, int) else self.row

    def as_dict(self, key_name: str = "key") -> dict:
        return {"row": self.row, key_name: self.key, "errors": self.errors, "suggestions": self.suggestions}


@dataclass
class ImportReport:
    source: str = ""  # the file's name
    format: str = ""  # csv, json, xlsx, turtle …
    partial: bool = False  # the valid rows are written, the others reported
    dry_run: bool = False  # nothing is written; the counts say what would be
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0  # rows with errors (row_errors lists the first MAX_REPORTED_ROWS of them)
    committed: bool = False
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    # A dry run's keys (bounded like the row errors).
    would_create: list[str] = field(default_factory=list)
    would_update: list[str] = field(default_factory=list)

    # What the row's key is called in as_dict (the register's record_number, the UNESCO list's id_no).
    KEY: ClassVar[str] = "key"
    MAX_REPORTED_ROWS: ClassVar[int] = 10_000  # beyond this the report counts failures without listing them

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.failed

    def fail(self, row, errors: dict[str, list[str]], key: str = "", suggestions: dict | None = None) -> None:
        """One more failing row; listed while the list is shorter than MAX_REPORTED_ROWS."""
        self.failed += 1
        if len(self.row_errors) < self.MAX_REPORTED_ROWS:
            self.row_errors.append(RowError(row, errors, key, suggestions or {}))

    def row_error_lines(self) -> list[str]:
        """Each row's errors as lines of text, one per field: «line 12 [EG-1] date: …», «row 6 [208] …»."""
        lines = [f"{err.where} [{err.key or '-'}] {name}: {' '.join(str(m) for m in messages)}"
                 for err in self.row_errors for name, messages in err.errors.items()]
        if self.failed > len(self.row_errors):
            lines.append(f"… and {self.failed - len(self.row_errors)} more failing rows")
        return lines

    def as_dict(self) -> dict:
        return {
            "source": self.source, "format": self.format, "partial": self.partial, "dry_run": self.dry_run,
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "failed": self.failed, "committed": self.committed, "file_errors": self.file_errors,
            "row_errors": [e.as_dict(self.KEY) for e in self.row_errors],
            **({"would_create": self.would_create, "would_update": self.would_update} if self.dry_run else {}),
        }

    def describe_source(self) -> str:
        """What the first line says about the file after its name (a subclass adds its encoding …)."""
        return f" ({self.format})" if self.format else ""

    def as_text(self) -> str:
        lines = [f"{self.source or 'import'}: {self.rows} rows read{self.describe_source()}",
                 *(f"ERROR: {e}" for e in self.file_errors), *self.row_error_lines()]
        if self.dry_run:
            lines.append(f"dry run: would create {self.created}, would update {self.updated}, "
                         f"unchanged {self.unchanged}, failed {self.failed}")
            for verb, keys, count in (("create", self.would_create, self.created),
                                      ("update", self.would_update, self.updated)):
                if keys:
                    shown = ", ".join(keys[:50])
                    lines.append(f"would {verb}: {shown}" + (f" … and {count - 50} more" if count > 50 else ""))
            if self.failed and not self.partial and not self.file_errors:
                lines.append("While rows fail, a real run writes nothing (all or nothing; --partial writes the "
                             "valid rows).")
            lines.append("Dry run: nothing was written.")
            return "\n".join(lines)
        lines.append(f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
                     f"failed {self.failed}")
        if not self.committed:
            lines.append("Nothing was written." if not self.partial or self.file_errors
                         else "Nothing was written (the import failed).")
        elif self.failed:
            lines.append("The valid rows were written; the failing rows were not (--partial).")
        return "\n".join(lines)
