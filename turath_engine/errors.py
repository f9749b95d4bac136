"""Exception hierarchy of the matching engine.

Every failure a caller can act on is an ``EngineError`` subclass with a one-line, human-readable
message, so the CLI and the Django app can show it without a traceback.
"""


class EngineError(Exception):
    """Base class of every error raised on purpose by turath_engine."""


class BadImageError(EngineError):
    """The input is not a usable image (not an image, truncated, too large, unsupported)."""


class DecompressionBombError(BadImageError):
    """The image header announces more pixels than the engine will ever decode."""


class BlankImageError(BadImageError):
    """The image decodes but is (near-)uniform: a grey, black or white frame, lens cap on."""


class IndexMissingError(EngineError):
    """No index exists at the given path."""


class IndexCorruptError(EngineError):
    """An index file exists but cannot be read or is inconsistent; rebuild it from the images."""


class KeyNotFoundError(EngineError, KeyError):
    """remove()/get() of a key that is not in the index."""

    def __str__(self):  # KeyError quotes its message; keep the one-liner readable
        return str(self.args[0]) if self.args else "key not found"
