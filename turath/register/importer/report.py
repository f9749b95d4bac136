"""The register's import report: core.importing's, with how the file was read."""

from dataclasses import dataclass

from turath.core.importing import ImportReport


@dataclass
class RecordImportReport(ImportReport):
    """The register's import report: rows keyed by record number, and how the file was read."""

    KEY = "record_number"
    encoding: str = ""
    encoding_detected: bool = False  # False: declared with --encoding
    delimiter: str = ""

    def describe_source(self) -> str:
        if not self.format:
            return ""
        encoding = (f", encoding {self.encoding} ({'detected' if self.encoding_detected else 'declared'})"
                    if self.encoding else "")
        return f" ({self.format}{encoding}" + (f", delimiter {self.delimiter!r}" if self.delimiter else "") + ")"

    def as_dict(self) -> dict:
        return {**super().as_dict(), "encoding": self.encoding, "encoding_detected": self.encoding_detected,
                "delimiter": self.delimiter}
