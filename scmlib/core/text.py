"""Small text helpers shared by every report: counts with the right noun form."""

from __future__ import annotations


def plural(n: float, word: str, many: str | None = None) -> str:
    """``n`` with ``word`` in the singular for exactly one, plural otherwise (thousands
    separated).

    >>> plural(1, "row"), plural(2, "supplier"), plural(1500, "series", "series")
    ('1 row', '2 suppliers', '1,500 series')
    """
    form = word if n == 1 else (many or f"{word}s")
    return f"{n:,} {form}" if float(n).is_integer() else f"{n:,.1f} {form}"
