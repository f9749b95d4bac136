"""Turath matching engine: framework-free image + text matching of cultural objects.

No Django here: the web app calls this package; this package never calls the app.
"""

from .engine import Engine, default_group
from .errors import (
                     BadImageError,
                     BlankImageError,
                     DecompressionBombError,
                     EngineError,
                     IndexCorruptError,
                     IndexMissingError,
                     KeyNotFoundError,
)
from .fingerprints import Fingerprint, fingerprint
from .fusion import Candidate, QueryResult
from .imaging import load_image
from .text import normalize, script_of, tokens

__all__ = ["Engine", "Candidate", "QueryResult", "Fingerprint", "fingerprint", "default_group", "load_image",
           "normalize", "tokens", "script_of", "EngineError", "BadImageError", "BlankImageError",
           "DecompressionBombError", "IndexCorruptError", "IndexMissingError", "KeyNotFoundError"]
