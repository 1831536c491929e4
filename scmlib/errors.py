"""Error types with one-line, user-facing messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ScmError(ValueError):
    """Base class of every error the suite shows to a user: the message is the whole story."""


class ParameterError(ScmError):
    """A notebook or run parameter is unknown, mistyped or out of range."""


class DataError(ScmError):
    """Input data cannot be used as given (missing columns, bad values, broken references)."""


def did_you_mean(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""`` when none is close."""
    match = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=cutoff)
    return f" (did you mean '{match[0]}'?)" if match else ""
