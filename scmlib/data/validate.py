"""Validation of canonical tables: type coercion, pandera schemas, references, warnings.

Every failure is one :class:`~scmlib.errors.DataError` line naming the table, the column,
the problem, up to five example rows (row numbers as in the source: for a CSV or Excel
sheet the line number, the header being line 1) and what to do.

Values are read as the source means them or refused, never silently misread (:func:`coerce_table`):

- dates: ISO (with or without a time), named months and year-first dates as written;
  ``A/B/YEAR`` dates day-first or month-first as the column shows (an A above 12: day-first, a B
  above 12: month-first), a column with both refused, one whose days and months are all 12 or
  less refused with the ``date_format`` to set; no other shape is guessed;
- numbers written as text: the decimal separator from ``decimal`` (checked against the values)
  or detected per column (``1121,62`` a decimal comma, ``1,234.56`` a decimal point, ``1,234``
  alone ambiguous and refused with the ``decimal`` to set); thousands separators only between
  groups of three digits;
- every number column: non-finite values and values beyond the column's bound refused.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from scmlib.data.model import DEFAULT_BOUND, TABLES, Table
from scmlib.data.sources import RawTable
from scmlib.errors import DataError, did_you_mean

MAX_EXAMPLES = 5
PLANNED_DATES = (
    "end_date",
    "due",
    "due_date",
    "review_date",
    "promised_date",
    "requested_date",
    "target_date",
    "eol_date",
    "start_date",
    "expiry",
    "expiry_date",
    "valid_until",
    "notice_date",
    "renewal_date",
    "planned_date",
)  # dates that may lie ahead (plans, validity); observed dates may not lie far ahead
FUTURE_LIMIT_DAYS = 366
_CURRENCY_RE = re.compile(r"[£$€¥]|(?i:gbp|usd|eur)")


def row_labels(raw: RawTable, index: np.ndarray) -> list[str]:
    """Source row labels of positional indices ('row 5', or 'file.csv row 5' for multi-file tables)."""
    labels = []
    for i in index[:MAX_EXAMPLES]:
        i = int(i)
        if raw.segments:
            name, start = max((s for s in raw.segments if s[1] <= i), key=lambda s: s[1])
            labels.append(f"{name.rsplit('/', 1)[-1]} row {i - start + raw.row_offset}")
        else:
            labels.append(f"row {i + raw.row_offset}")
    return labels


def _examples(raw: RawTable, frame: pd.DataFrame, mask: np.ndarray, column: str) -> str:
    idx = np.flatnonzero(mask)
    labels = row_labels(raw, idx)
    values = (
        frame[column].to_numpy()[idx[:MAX_EXAMPLES]]
        if column in frame.columns
        else [None] * len(labels)
    )
    shown = ", ".join(f"{lab}: {_show(v)}" for lab, v in zip(labels, values))
    more = f" and {len(idx) - MAX_EXAMPLES:,} more" if len(idx) > MAX_EXAMPLES else ""
    return f"{len(idx):,} row(s), e.g. {shown}{more}"


def _show(v) -> str:
    if isinstance(v, str):
        return repr(v)
    if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)):
        return "(empty)"
    if isinstance(v, (float, np.floating)) and (abs(float(v)) >= 1e15 or not np.isfinite(v)):
        return f"{float(v):.3g}"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(v).date())
    return str(v.item() if hasattr(v, "item") else v)


def _check_text(check: str) -> str:
    """pandera's check names in plain words."""
    m = re.match(r"(greater_than_or_equal_to|less_than_or_equal_to|isin)\((.*)\)$", check)
    if not m:
        return check
    kind, arg = m.groups()
    return {
        "greater_than_or_equal_to": f"at least {arg}",
        "less_than_or_equal_to": f"at most {arg}",
        "isin": f"one of {arg}",
    }[kind]


def _fail(table: str, column: str, problem: str, examples: str, fix: str) -> DataError:
    return DataError(f"table '{table}', column '{column}': {problem} ({examples}). Fix: {fix}")


def apply_column_map(
    frame: pd.DataFrame, table: str, column_map: dict[str, str] | None
) -> pd.DataFrame:
    if not column_map:
        return frame
    missing = [src for src in column_map if src not in frame.columns]
    if missing:
        raise DataError(
            f"table '{table}': column_map names column(s) {missing} that the source does not have"
            f"{did_you_mean(missing[0], frame.columns)}; columns found: {list(frame.columns)[:20]}"
        )
    return frame.rename(columns=column_map)


def _arrow_text(s: pd.Series):
    """The column as an Arrow string array (vectorised, no Python loop over values)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pd.api.types.is_float_dtype(s) and not isinstance(s.dtype, pd.ArrowDtype):
        whole = s.notna() & (s % 1 == 0)
        if whole.any() and (whole | s.isna()).all():  # ids read as numbers: 7.0 -> "7"
            s = s.astype("Int64")
    try:
        arr = pa.array(s, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python objects
        arr = pa.array(s.astype(str).where(s.notna(), None), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return arr


def _text_series(s: pd.Series, strip: bool = True) -> pd.Series:
    """Arrow-backed string Series, blanks stripped and empty strings made missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_text(s)
    if strip:
        arr = pc.utf8_trim_whitespace(arr)
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    return pd.Series(arr, index=s.index, name=s.name, dtype=pd.ArrowDtype(arr.type))


def _as_text(s: pd.Series, strip: bool) -> pd.Series:
    """Text column as Python strings with None for missing; ids stripped of surrounding blanks."""
    import pyarrow.compute as pc

    arr = _arrow_text(s)
    if strip:
        arr = pc.utf8_trim_whitespace(arr)
        arr = pc.if_else(pc.equal(arr, ""), None, arr)
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=s.index, name=s.name, dtype=object)


# --------------------------------------------------------------------------- numbers as the user meant

# the integer part of a number with thousands separators: a comma (or a blank, kept as '_' by
# _number_text) then exactly three digits per group, 1,234 / 12,345,678 / 1 234; or the Indian
# lakh grouping 1,23,456 / 12,34,56,789 (pairs, then a last group of three)
_GROUPED_COMMA = r"\d{1,3}(?:[,_]\d{3})+|\d{1,2}(?:,\d{2})+,\d{3}"
_GROUPED_DOT = r"\d{1,3}(?:[._]\d{3})+"  # 1.234 / 1.234.567 / 1 234
_EXPONENT = r"(?:[eE][+-]?\d+)?"
# a value that is a number under each convention (after _number_text): what does not match is
# unreadable, never guessed (1,2345,678 / 12 50 / 1.5.3 / 0x1A)
_NUMBER = {
    ".": rf"^[+-]?(?:(?:{_GROUPED_COMMA}|\d+)(?:\.\d*)?|\.\d+){_EXPONENT}$",
    ",": rf"^[+-]?(?:(?:{_GROUPED_DOT}|\d+)(?:,\d*)?|,\d+){_EXPONENT}$",
}
_SPECIAL = r"^[+-]?(?i:inf|infinity|nan)$"  # read, then refused as not finite / not a number
_THOUSANDS_COMMA = rf"^[+-]?(?:{_GROUPED_COMMA})(?:\.\d+)?$"  # 1,234 / 1,234.56 / 1,23,456
_THOUSANDS_DOT = rf"^[+-]?(?:{_GROUPED_DOT})(?:,\d+)?$"  # 1.234 / 1.234,56
_DEC_COMMA = rf"^[+-]?\d*,\d+{_EXPONENT}$"  # 12,5 / 1121,62 / ,5
_DEC_DOT = rf"^[+-]?\d*\.\d+{_EXPONENT}$"  # 12.5 / .5
_BLANKS = "[\\s\u00a0\u202f']+"  # blanks (also no-break and narrow no-break) and apostrophes


def _number_text(s: pd.Series) -> pd.Series:
    """Numbers written as text, normalised (Arrow strings, vectorised): currency symbols and codes
    removed, surrounding blanks trimmed, blanks and apostrophes inside the number (French
    ``1 234,56``, Swiss ``1'234.50``) kept as ``_``, a group separator that
    :data:`_NUMBER` accepts only before exactly three digits. Idempotent."""
    t = _text_series(s, strip=False).str.replace(_CURRENCY_RE.pattern, "", regex=True)
    return t.str.strip().str.replace(_BLANKS, "_", regex=True)


def _signed(t: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Accounting negatives, ``(1,234.50)``, and trailing minus signs (SAP: ``1.234,50-``):
    the text without them and the mask of negative values."""
    paren = (t.str.startswith("(") & t.str.endswith(")")).fillna(False).to_numpy(dtype=bool)
    trailing = t.str.match(r"^[^+\-]*\d-$").fillna(False).to_numpy(dtype=bool)
    if paren.any():
        t = t.where(~paren, t.str.slice(1, -1))
    if trailing.any():
        t = t.where(~trailing, t.str.slice(0, -1))
    return t, paren | trailing


def decimal_evidence(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per value: (decimal-comma evidence, decimal-point evidence, ambiguous). Vectorised.

    A comma not followed by exactly three digits up to the end (``1121,62``, ``0,5``,
    ``12,3456``), or a comma after dot-grouped thousands (``1.234,56``, ``1.234.567``), speaks for
    a decimal comma; a dot after comma-grouped thousands (``1,234.56``), several comma groups
    (``1,234,567``, the Indian ``12,34,567``) or a plain decimal (``12.5``) for a decimal point;
    ``1,234`` and ``1.234`` alone could be either (one thousand two hundred and thirty-four, or a
    little over one): ambiguous. Blanks and apostrophes as thousands separators (``1 234,56``)
    say nothing about the decimal.
    """
    return _evidence(_number_text(text))


def _evidence(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`decimal_evidence` of text already normalised by :func:`_number_text`."""
    t, _ = _signed(text)
    t = t.str.replace("_", "", regex=False)
    tc, td, dc, dd = (
        t.str.match(p).fillna(False).to_numpy(dtype=bool)
        for p in (_THOUSANDS_COMMA, _THOUSANDS_DOT, _DEC_COMMA, _DEC_DOT)
    )
    has_comma = t.str.contains(",", regex=False).fillna(False).to_numpy(dtype=bool)
    has_dot = t.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool)
    has_both = has_comma & has_dot
    many_commas = (
        t.str.count(",").fillna(0).to_numpy() > 1
    )  # a decimal separator appears once: 1,234,567 has thousands commas
    many_dots = t.str.count(r"\.").fillna(0).to_numpy() > 1
    comma = (dc & ~tc) | (td & (has_both | many_dots))  # 12,5 ; 1.234,56 ; 1.234.567
    point = (dd & ~td) | (tc & (has_both | many_commas))  # 12.5 ; 1,234.56 ; 1,234,567
    ambiguous = (tc | td) & ~has_both & ~many_commas & ~many_dots  # 1,234 ; 1.234
    return comma, point, ambiguous


def _decimal_option(opts: dict[str, Any], table: str) -> str | None:
    """The ``decimal`` read option (``'.'`` or ``','``); a ``thousands`` of ``','`` or ``'.'``
    without it implies the other separator as the decimal."""
    decimal, thousands = opts.get("decimal"), opts.get("thousands")
    if decimal is not None and decimal not in (".", ","):
        raise DataError(
            f"table '{table}': read_options decimal must be '.' or ',', got {decimal!r}. "
            f"Fix: set read_options: {{{table}: {{decimal: ','}}}} or {{decimal: '.'}}"
        )
    if decimal is not None and thousands == decimal:
        raise DataError(
            f"table '{table}': read_options decimal and thousands are both {decimal!r}. "
            "Fix: set thousands to the other separator or leave it out"
        )
    if decimal is None and thousands in (".", ","):
        return "," if thousands == "." else "."
    return decimal


def _decide_decimal(
    raw: RawTable, df: pd.DataFrame, table: str, column: str, text: pd.Series, decimal: str | None
) -> str:
    """The decimal separator of a text column of numbers: the user's ``decimal`` option, checked
    against the values (a value written the other way is refused, never misread), or detected
    from them (:func:`decimal_evidence`): commas only, a decimal comma; points only, or no evidence
    and nothing ambiguous, a decimal point; both, refused; only ambiguous values such as
    ``1,234``, refused with the ``decimal`` fix."""
    comma, point, ambiguous = _evidence(text)
    fix = f"set read_options: {{{table}: {{decimal: ','}}}} for decimal commas (1.234,56) or {{{table}: {{decimal: '.'}}}} for decimal points (1,234.56)"
    if decimal == ",":
        if point.any():
            raise _fail(
                table,
                column,
                "numbers written with a decimal point although read_options decimal is ','",
                _examples(raw, df, point, column),
                "set decimal to '.' or correct those cells",
            )
        return ","
    if decimal == ".":
        if comma.any():
            raise _fail(
                table,
                column,
                "numbers written with a decimal comma although read_options decimal is '.'",
                _examples(raw, df, comma, column),
                "set decimal to ',' or correct those cells",
            )
        return "."
    if comma.any() and point.any():
        raise _fail(
            table,
            column,
            "numbers written with both decimal commas and decimal points",
            _examples(raw, df, comma, column)
            + "; with points: "
            + _examples(raw, df, point, column),
            "export the column with one convention, then " + fix,
        )
    if comma.any():
        return ","
    if point.any() or not ambiguous.any():
        return "."
    raise _fail(
        table,
        column,
        "numbers whose separator could be a thousands separator or a decimal (e.g. 1,234 is 1234 or 1.234), with no value that tells which",
        _examples(raw, df, ambiguous, column),
        fix,
    )


def _parse_numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Numbers written as text (normalised by :func:`_number_text`) read with ``decimal`` as the
    decimal separator: the other separator (and ``_``) is a thousands separator, valid only
    between groups of three digits (or the Indian lakh grouping with commas); accounting
    negatives and trailing minus signs are negative; ``inf`` and ``nan`` texts are read as such
    (refused later). Anything else is missing (NaN), for the caller to refuse or count."""
    t, negative = _signed(text)
    valid = (t.str.match(_NUMBER[decimal]) | t.str.match(_SPECIAL)).fillna(False)
    group = "," if decimal == "." else "."
    t = t.str.replace("_", "", regex=False).str.replace(group, "", regex=False)
    if decimal == ",":
        t = t.str.replace(",", ".", regex=False)
    t = t.where(valid.to_numpy(dtype=bool))
    values = pd.to_numeric(
        pd.Series(t.to_numpy(dtype=object, na_value=None), index=text.index),
        errors="coerce",
    ).astype("float64")
    return values.where(~negative, -values)


# --------------------------------------------------------------------------- dates as the user meant

# A<sep>B<sep>YEAR with sep '/', '-' or '.', a 2- or 4-digit year and an optional time
# (10:30, 10:30:15, 10:30:15.250, 2:30 PM)
_DMY = (
    r"^(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})[/.\-](?P<year>\d{4}|\d{2})"
    r"(?:(?:[ T]+|,\s*)(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?$"
)
_MONTH_NAME = r"(?i)(?:^|[^a-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"  # 12-Jan-24
_YEAR_FIRST = r"^\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}(?:$|[ T])"  # 2024/03/04: no day/month ambiguity
_UTC_OFFSET = r"(\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(?:Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)$"


def _wall_time(text: pd.Series) -> pd.Series:
    """Times with a UTC offset (``2024-03-04T10:00:00Z``, ``...+01:00``) as the local wall time the
    source wrote (the offset dropped, as for time-zone-aware Parquet columns)."""
    import pyarrow.compute as pc

    arr = pc.replace_substring_regex(_arrow_text(text), _UTC_OFFSET, r"\1")
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=text.index, dtype=object)


def _suggest_format(sample: str, day_first: bool) -> str:
    """The ``date_format`` that reads ``sample`` (e.g. ``'03.04.24 14:30'``) in the given order."""
    m = re.match(_DMY, sample)
    if not m:
        return "'%d/%m/%Y'" if day_first else "'%m/%d/%Y'"
    sep, year, hour, second, fraction, ampm = m.group(
        "sep", "year", "hour", "second", "fraction", "ampm"
    )
    fmt = sep.join(("%d", "%m") if day_first else ("%m", "%d")) + sep
    fmt += "%Y" if len(year) == 4 else "%y"
    if hour:
        fmt += " %I:%M" if ampm else " %H:%M"
        fmt += ":%S" if second else ""
        fmt += ".%f" if fraction else ""
        fmt += " %p" if ampm else ""
    return repr(fmt)


def _numeric_dates(
    raw: RawTable, df: pd.DataFrame, table: str, column: str, text: pd.Series
) -> pd.Series:
    """Dates written ``A/B/YEAR`` (``/``, ``-`` or ``.``; 2- or 4-digit years; an optional time),
    read day-first or month-first as the column shows (vectorised): some A above 12 (with B at
    most 12) means day-first, some B above 12 (with A at most 12) month-first; both is a mixed
    column and neither (every A and B at most 12) an ambiguous one, refused with the evidence and
    the ``date_format`` fix. Two-digit years follow ``%y`` (69-99: 1900s, 00-68: 2000s). Values of
    another shape are left missing for the caller."""
    parts = _text_series(text).str.extract(_DMY)  # Arrow (RE2): no Python loop over rows

    def number(part: str) -> pd.Series:  # a matched group (digits) as float; else NaN
        import pyarrow as pa
        import pyarrow.compute as pc

        g = pa.array(parts[part], from_pandas=True)
        g = pc.cast(pc.if_else(pc.equal(g, ""), pa.scalar(None, g.type), g), pa.float64())
        return pd.Series(g.to_numpy(zero_copy_only=False), index=text.index)

    has = parts["a"].notna().to_numpy()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if not has.any():
        return out
    a, b, y = number("a"), number("b"), number("year")
    y = y.where(y >= 100, np.where(y < 69, 2000 + y, 1900 + y))  # %y: 69-99 1900s, 00-68 2000s
    dayfirst_ev = ((a > 12) & (b <= 12)).to_numpy() & has
    monthfirst_ev = ((b > 12) & (a <= 12)).to_numpy() & has
    if dayfirst_ev.any() and monthfirst_ev.any():
        raise _fail(
            table,
            column,
            "dates written both day-first and month-first",
            "day-first: "
            + _examples(raw, df, dayfirst_ev, column)
            + "; month-first: "
            + _examples(raw, df, monthfirst_ev, column),
            "export the column in one date format (YYYY-MM-DD is safest)",
        )
    if not dayfirst_ev.any() and not monthfirst_ev.any():
        sample = str(text[has].iloc[0])
        day, month = _suggest_format(sample, True), _suggest_format(sample, False)
        raise _fail(
            table,
            column,
            f"day and month cannot be told apart: all {int(has.sum()):,} dates written like "
            f"{sample!r} have both numbers 12 or less",
            _examples(raw, df, has, column),
            f"set read_options: {{{table}: {{date_format: {{{column}: {day}}}}}}} if the day "
            f"comes first, or {month} if the month does",
        )
    day, month = (a, b) if dayfirst_ev.any() else (b, a)
    parsed = pd.to_datetime(pd.DataFrame({"year": y, "month": month, "day": day}), errors="coerce")
    hour = number("hour")
    if hour.notna().any():  # a time of day: 24-hour, or 12-hour with AM/PM
        ampm = parts["ampm"].fillna("").str[:1].str.lower().to_numpy(dtype=object)
        twelve = ampm != ""
        bad = (twelve & ((hour < 1) | (hour > 12))) | (hour > 23)
        hour = hour.where(~twelve, hour % 12 + np.where(ampm == "p", 12, 0))
        minute, second = number("minute").fillna(0), number("second").fillna(0)
        digits = parts["fraction"].fillna("").str.len().fillna(0).astype("float64")
        fraction = (number("fraction") / 10**digits).fillna(0)
        bad = bad | (minute > 59) | (second > 59)
        seconds = (hour.fillna(0) * 3600 + minute * 60 + second + fraction).where(~bad)
        parsed = parsed + pd.to_timedelta(seconds.to_numpy(), unit="s")
    return out.where(~has, parsed)


def _parse_dates(
    raw: RawTable, df: pd.DataFrame, table: str, column: str, s: pd.Series, fmt: str | None
) -> pd.Series:
    """A text date column read as meant (missing where a value cannot be read, for the caller):
    with ``fmt`` (``date_format``) exactly that format; without, ISO dates (``2024-03-04``, with
    or without a time), then ``A/B/YEAR`` dates with the day/month order shown by the column
    (:func:`_numeric_dates`), then dates with a named month (``12-Jan-24``, ``March 4, 2024``) or
    the year first (``2024/03/04``). Any other shape (``3/4``, ``03042024``) is not guessed. UTC
    offsets are dropped (local wall time)."""
    import warnings

    text = pd.Series(_as_text(s, strip=True), index=s.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mixed UTC offsets: handled below
        try:
            parsed = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce")
        except (ValueError, TypeError) as exc:  # never a guess in place of the user's format
            if fmt:
                raise DataError(
                    f"table '{table}', column '{column}': read_options date_format {fmt!r} cannot be "
                    f"used ({str(exc).splitlines()[0][:80]}). Fix: write it with strftime codes, e.g. '%d/%m/%Y'"
                ) from None
            parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        if not pd.api.types.is_datetime64_any_dtype(parsed):  # mixed UTC offsets: wall times
            if fmt:  # a %z format: one instant per value, in UTC
                parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
            else:
                parsed = pd.to_datetime(_wall_time(text), format="ISO8601", errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    parsed = parsed.astype("datetime64[ns]")
    if fmt or parsed.isna().to_numpy().sum() == s.isna().to_numpy().sum():
        return parsed
    rest = text.where(parsed.isna())
    parsed = parsed.fillna(_numeric_dates(raw, df, table, column, rest))  # dd/mm or mm/dd
    rest = pd.Series(_text_series(rest.where(parsed.isna())))
    unambiguous = (rest.str.contains(_MONTH_NAME) | rest.str.match(_YEAR_FIRST)).fillna(False)
    if unambiguous.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            other = pd.to_datetime(
                _wall_time(rest.where(unambiguous.to_numpy(dtype=bool))),
                format="mixed",
                errors="coerce",
            )
        if getattr(other.dt, "tz", None) is not None:
            other = other.dt.tz_localize(None)
        parsed = parsed.fillna(other.astype("datetime64[ns]"))
    return parsed


def _date_format_for(
    opts: dict[str, Any], table: str, column: str, columns: list[str]
) -> str | None:
    """``date_format`` as one format for every date column of the table, or a dict per column
    (a column that is not a date column of the table is an error)."""
    fmt = opts.get("date_format")
    if isinstance(fmt, dict):
        unknown = [c for c in fmt if c not in columns]
        if unknown:
            raise DataError(
                f"table '{table}': read_options date_format names column(s) {unknown} that the table does not have"
                f"{did_you_mean(str(unknown[0]), columns)}; date columns: {columns}"
            )
        return fmt.get(column)
    return fmt


def _na_values(opts: dict[str, Any], column: str) -> set[str]:
    """Placeholder texts read as missing (``na_values``: a list for every column, or a dict of
    column -> list), e.g. ``["N/A", "Date Not Captured"]``."""
    na = opts.get("na_values")
    if not na:
        return set()
    if isinstance(na, dict):
        return {str(v) for v in (na.get(column) or [])}
    return {str(v) for v in (na if isinstance(na, (list, tuple)) else [na])}


def _check_column_options(spec: Table, opts: dict[str, Any]) -> None:
    """Per-column read options name columns of the table: ``date_format`` its date columns,
    ``bounds`` its number columns (each a positive number), ``na_values`` any of its columns.
    A name that is not one is a one-line error, never a silent no-op."""
    kinds = {
        "date_format": [c.name for c in spec.columns if c.type == "date"],
        "bounds": [c.name for c in spec.columns if c.type in ("float", "int")],
        "na_values": spec.column_names,
    }
    for key, columns in kinds.items():
        value = opts.get(key)
        if not isinstance(value, dict):
            if key == "bounds" and value is not None:
                raise DataError(
                    f"table '{spec.name}': read_options bounds must be {{column: largest plausible value}}, got {value!r}"
                )
            continue
        unknown = [c for c in value if c not in columns]
        if unknown:
            what = {"date_format": "date ", "bounds": "number "}.get(key, "")
            raise DataError(
                f"table '{spec.name}': read_options {key} names column(s) {unknown} that the table does not have"
                f"{' as ' + what + 'columns' if what else ''}{did_you_mean(str(unknown[0]), columns)}; {what}columns: {columns}"
            )
    formats = opts.get("date_format")
    for fmt in formats.values() if isinstance(formats, dict) else [formats]:
        if fmt is not None and (not isinstance(fmt, str) or "%" not in fmt):
            raise DataError(
                f"table '{spec.name}': read_options date_format {fmt!r} is not a date format. "
                "Fix: write it with strftime codes, e.g. '%d/%m/%Y' for 31/12/2024 or '%m/%d/%y' for 12/31/24"
            )
    for column, bound in (opts.get("bounds") or {}).items():
        try:
            ok = float(bound) > 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise DataError(
                f"table '{spec.name}': read_options bounds for '{column}' must be a positive number, got {bound!r}"
            )


# --------------------------------------------------------------------------- magnitudes


def _bound(col, opts: dict[str, Any]) -> float:
    """The largest plausible absolute value of a number column: ``read_options`` ``bounds`` for
    the column, else the data model's (:attr:`~scmlib.data.model.Column.bound`, by unit)."""
    bounds = opts.get("bounds") or {}
    if col.name in bounds:
        return float(bounds[col.name])
    return float(col.bound if col.bound is not None else DEFAULT_BOUND)


def _show_bound(x: float) -> str:
    return f"{x:,.0f}" if x < 1e7 else f"{x:.3g}"


UNREADABLE_SHARE = (
    0.5  # above this share of an optional column, unreadable values mean a format problem
)


def _keep_unreadable(raw: RawTable, df: pd.DataFrame, col, bad: np.ndarray, problem: str) -> bool:
    """Unreadable values in an optional column: kept as missing (their rows stay) and counted in the
    data-quality box, unless they are more than half of the column's values (then the format is
    wrong and the load stops with the fix). Required columns never take this path."""
    filled = int(df[col.name].notna().sum())
    if col.required or filled == 0 or bad.sum() > UNREADABLE_SHARE * filled:
        return False
    raw.notes.append(
        f"{raw.origin}: {col.name} has {problem}, read as missing ({_examples(raw, df, bad, col.name)})"
    )
    return True


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def coerce_table(raw: RawTable, spec: Table, opts: dict[str, Any]) -> pd.DataFrame:
    """Coerce canonical columns to their types; a value that cannot be read is an error.

    Dates: :func:`_parse_dates`. Numbers already numeric in the source are kept; numbers written
    as text are read with the decimal separator of ``read_options`` ``decimal`` (checked against
    the values) or detected per column (:func:`_decide_decimal`, :func:`_parse_numbers`). Every
    number column then refuses non-finite values (``inf``, ``-Infinity``, ``1e309``) and values
    beyond its bound (:func:`_bound`); an empty cell stays missing (nullability decides).
    """
    df = raw.frame
    name = spec.name
    _check_column_options(spec, opts)
    decimal_opt = _decimal_option(opts, name)
    date_cols = [c.name for c in spec.columns if c.type == "date"]
    for col in spec.columns:
        if col.name not in df.columns:
            continue
        s = df[col.name]
        placeholders = _na_values(opts, col.name)
        if placeholders:
            s = s.where(
                ~_text_series(s).isin(list(placeholders)).fillna(False).to_numpy(dtype=bool)
            )
            df[col.name] = s
        before_null = s.isna().to_numpy()
        if col.type in ("id", "str", "cat"):
            df[col.name] = _as_text(s, strip=col.type in ("id", "cat"))
            continue
        if col.type == "date":
            if pd.api.types.is_datetime64_any_dtype(s):
                parsed = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
            else:
                fmt = _date_format_for(opts, name, col.name, date_cols)
                parsed = _parse_dates(raw, df, name, col.name, s, fmt)
            bad = parsed.isna().to_numpy() & ~before_null
            if bad.any() and _keep_unreadable(raw, df, col, bad, "dates that cannot be read"):
                bad = np.zeros_like(bad)
            if bad.any():
                raise _fail(
                    name,
                    col.name,
                    "dates that cannot be read",
                    _examples(raw, df, bad, col.name),
                    f"write dates as YYYY-MM-DD, set read_options: {{{name}: {{date_format: {{{col.name}: '%d/%m/%Y'}}}}}} to the format used, "
                    f"or declare placeholder texts as missing with read_options: {{{name}: {{na_values: {{{col.name}: [...]}}}}}}",
                )
            df[col.name] = parsed.astype("datetime64[ns]")
        elif col.type in ("float", "int"):
            if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
                text = _number_text(s)
                decimal = _decide_decimal(raw, df, name, col.name, text, decimal_opt)
                parsed = _parse_numbers(text, decimal)
            else:
                parsed = s
            bad = parsed.isna().to_numpy() & ~before_null
            if bad.any() and _keep_unreadable(raw, df, col, bad, "values that are not numbers"):
                bad = np.zeros_like(bad)
            if bad.any():
                raise _fail(
                    name,
                    col.name,
                    "values that are not numbers",
                    _examples(raw, df, bad, col.name),
                    "correct those cells, declare placeholders with read_options na_values, or set decimal/thousands to the separators used",
                )
            values = np.asarray(parsed.astype("float64"), dtype=float)
            infinite = np.isinf(values)
            if infinite.any():
                raise _fail(
                    name,
                    col.name,
                    "values that are not finite numbers (infinity)",
                    _examples(raw, df, infinite, col.name),
                    "replace them with the real values or leave the cells empty",
                )
            limit = _bound(col, opts)
            huge = np.abs(np.nan_to_num(values)) > limit
            if huge.any():
                raise _fail(
                    name,
                    col.name,
                    f"implausibly large values (beyond {_show_bound(limit)}, the bound for {'a column in ' + col.unit if col.unit else 'this column'})",
                    _examples(raw, df, huge, col.name),
                    f"correct them, or if they are real raise the bound with read_options: {{{name}: {{bounds: {{{col.name}: <largest plausible value>}}}}}}",
                )
            if col.type == "int":
                nonint = parsed.notna().to_numpy() & (
                    np.asarray(parsed.fillna(0), dtype=float) % 1 != 0
                )
                if nonint.any():
                    raise _fail(
                        name,
                        col.name,
                        "values that must be whole numbers",
                        _examples(raw, df, nonint, col.name),
                        "round them in the source",
                    )
                df[col.name] = (
                    parsed.astype("Int64") if before_null.any() else parsed.astype("int64")
                )
            else:
                df[col.name] = parsed.astype("float64")
        elif col.type == "bool":
            if pd.api.types.is_bool_dtype(s):
                continue
            text = _as_text(s, strip=True).str.lower()
            out = pd.Series(pd.NA, index=s.index, dtype="boolean")
            out[text.isin(_TRUE).fillna(False).to_numpy()] = True
            out[text.isin(_FALSE).fillna(False).to_numpy()] = False
            bad = out.isna().to_numpy() & ~before_null
            if bad.any():
                raise _fail(
                    name,
                    col.name,
                    "values that are not true/false",
                    _examples(raw, df, bad, col.name),
                    "use true/false, yes/no or 1/0",
                )
            df[col.name] = out
    known = {c.name for c in spec.columns}
    for (
        name_,
        col_,
    ) in df.items():  # extra columns: back to NumPy-backed dtypes for the analysis code
        if name_ not in known and isinstance(col_.dtype, pd.ArrowDtype):
            df[name_] = _numpy_backed(col_)
    return df


def _numpy_backed(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]")
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    if pd.api.types.is_integer_dtype(s):
        return s.astype("Int64") if s.isna().any() else s.astype("int64")
    if pd.api.types.is_numeric_dtype(s):
        return s.astype("float64")
    return _as_text(s, strip=False)


def check_columns(raw: RawTable, spec: Table) -> None:
    if raw.frame.empty:
        raise DataError(
            f"table '{spec.name}' ({raw.origin}) is empty: it needs at least one row; export it again or leave the table out"
        )
    missing = [c for c in spec.required_columns if c not in raw.frame.columns]
    if missing:
        found = list(raw.frame.columns)
        hint = did_you_mean(
            missing[0], found, cutoff=0.8
        )  # column names: only a near-identical spelling is a hint
        if len(found) == 1 and any(sep in str(found[0]) for sep in (";", "\t", "|")):
            sep = next(sep for sep in (";", "\t", "|") if sep in str(found[0]))
            hint = f" (the file seems separated by {sep!r}: set read_options: {{{spec.name}: {{sep: {sep!r}}}}})"
        raise DataError(
            f"table '{spec.name}' ({raw.origin}): missing required column '{missing[0]}'{hint}"
            f"{f' and {len(missing) - 1} more: {missing[1:]}' if len(missing) > 1 else ''}; columns found: {found[:15]}. "
            f"Fix: rename the column in the source or add column_map: {{{spec.name}: {{<your column>: {missing[0]}}}}}"
        )


def _schema(spec: Table, frame: pd.DataFrame) -> pa.DataFrameSchema:
    columns = {}
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        checks = []
        if col.min is not None:
            checks.append(pa.Check.ge(col.min, name=f"at least {col.min:g}"))
        if col.max is not None:
            checks.append(pa.Check.le(col.max, name=f"at most {col.max:g}"))
        if col.allowed:
            checks.append(pa.Check.isin(list(col.allowed), name=f"one of {list(col.allowed)}"))
        columns[col.name] = pa.Column(checks=checks, nullable=col.nullable, required=False)
    key = [k for k in spec.key if k in frame.columns]
    return pa.DataFrameSchema(columns, unique=key if key else None, report_duplicates="all")


_FIXES = {
    "not_nullable": "fill the empty cells or drop those rows",
    "at least": "values below the minimum (e.g. negative quantities or prices) are not allowed here; correct or remove those rows",
    "at most": "correct the values to the allowed range",
    "one of": "map the values to the allowed ones",
}


def check_values(raw: RawTable, spec: Table, frame: pd.DataFrame) -> None:
    """pandera checks: empty cells, ranges, allowed values, duplicate keys."""
    schema = _schema(spec, frame)
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as err:
        fc = err.failure_cases
        first = fc.iloc[0]
        column, raw_check = first["column"], str(first["check"])
        check = _check_text(raw_check)
        if (
            raw_check.startswith("field_uniqueness")
            or check.startswith("multiple_fields_uniqueness")
            or column == spec.name
            or column is None
            or "unique" in check
        ):
            key = [k for k in spec.key if k in frame.columns]
            dup = frame.duplicated(subset=key, keep=False).to_numpy()
            raise _fail(
                spec.name,
                ", ".join(key),
                "duplicate keys: each key must appear once",
                _examples(raw, frame, dup, key[0]),
                "remove the duplicate rows or aggregate them before loading",
            ) from None
        rows = (
            fc.loc[(fc["column"] == column) & (fc["check"].astype(str) == raw_check), "index"]
            .dropna()
            .astype(int)
            .to_numpy()
        )
        mask = np.zeros(len(frame), dtype=bool)
        mask[rows] = True
        if check == "not_nullable":
            problem = "empty cells in a required column"
        else:
            problem = f"values must be {check}"
        fix = next((v for k, v in _FIXES.items() if check.startswith(k)), "correct those rows")
        col_spec = spec.column(column)
        if col_spec.allowed:
            bad_val = frame[column].to_numpy()[rows[0]]
            fix += did_you_mean(str(bad_val), col_spec.allowed)
        raise _fail(spec.name, column, problem, _examples(raw, frame, mask, column), fix) from None


def check_future_dates(
    raw: RawTable, spec: Table, frame: pd.DataFrame, today: dt.date | None = None
) -> None:
    limit = pd.Timestamp(today or dt.date.today()) + pd.Timedelta(days=FUTURE_LIMIT_DAYS)
    for col in spec.columns:
        if col.type != "date" or col.name not in frame.columns:
            continue
        # planned dates (due, end, review) may lie ahead; observed ones may not lie far ahead
        if col.name in PLANNED_DATES:
            continue
        bad = (frame[col.name] > limit).to_numpy()
        if bad.any():
            raise _fail(
                spec.name,
                col.name,
                f"dates more than a year in the future (after {limit:%Y-%m-%d})",
                _examples(raw, frame, bad, col.name),
                "check the date format (day/month order) or the year",
            )


def check_references(tables: dict[str, pd.DataFrame], raws: dict[str, RawTable]) -> list[str]:
    """Foreign keys between the loaded tables: a value missing from its master table
    (``references``) is an error; a value missing from a transaction table it points to
    (``soft_references``, e.g. an invoice naming an unknown PO) is a warning naming the rows.
    Returns the warnings."""
    warnings_: list[str] = []
    for name, frame in tables.items():
        spec = TABLES.get(name)
        if spec is None:
            continue
        for soft, refs in ((False, spec.references), (True, spec.soft_references)):
            for column, target in refs.items():
                t_table, t_col = target.split(".")
                if (
                    column not in frame.columns
                    or t_table not in tables
                    or t_col not in tables[t_table].columns
                ):
                    continue
                values = frame[column]
                known = pd.Index(tables[t_table][t_col].dropna().unique())
                bad = (values.notna() & ~values.isin(known)).to_numpy()
                if not bad.any():
                    continue
                if soft:
                    warnings_.append(
                        f"{name}: {column} values not found in {t_table} ({_examples(raws[name], frame, bad, column)}); "
                        "those rows are kept but cannot be matched"
                    )
                else:
                    raise _fail(
                        name,
                        column,
                        f"references to unknown {t_table} (not in {t_table}.{t_col})",
                        _examples(raws[name], frame, bad, column),
                        f"add them to {t_table} or correct the ids",
                    )
    return warnings_


def planned_date_warnings(
    tables: dict[str, pd.DataFrame], horizon_years: float = 10.0, today: dt.date | None = None
) -> list[str]:
    """Planned dates (due, promised, contract end, review) more than ``horizon_years`` ahead: kept,
    but named in the data-quality box (likely a typo in the year)."""
    limit = pd.Timestamp(today or dt.date.today()) + pd.DateOffset(years=int(horizon_years))
    out = []
    for name, frame in tables.items():
        spec = TABLES.get(name)
        if spec is None:
            continue
        for col in spec.columns:
            if col.type == "date" and col.name in frame.columns and col.name in PLANNED_DATES:
                n = int((frame[col.name] > limit).sum())
                if n:
                    out.append(
                        f"{name}: {n:,} {col.name} values lie more than {horizon_years:g} years ahead (after {limit:%Y-%m-%d}); check the year"
                    )
    return out


def quality_warnings(tables: dict[str, pd.DataFrame], wants_rates: bool = True) -> list[str]:
    """Suspicious but usable data: outliers, gaps, mixed currencies without rates."""
    out: list[str] = []
    dh = tables.get("demand_history")
    if dh is not None and not dh.empty:
        keys = [c for c in ("item_id", "location_id") if c in dh.columns]
        neg = int((dh["quantity"] < 0).sum())
        if neg:
            out.append(
                f"demand_history: {neg:,} negative quantities (net returns) are kept as they are."
            )
        periods = pd.Index(np.sort(dh["date"].unique()))
        if len(periods) > 2:
            pos = pd.Series(np.arange(len(periods)), index=periods)
            g = dh.assign(_p=dh["date"].map(pos).to_numpy()).groupby(
                keys, dropna=False, observed=True
            )["_p"]
            span = g.max() - g.min() + 1
            gaps = int((span - g.size()).clip(lower=0).gt(0).sum())
            if gaps:
                out.append(
                    f"demand_history: {gaps:,} series have missing periods between their first and last period; they are read as zero demand."
                )
        q = dh["quantity"].to_numpy(dtype=float)
        grp = dh.groupby(keys, dropna=False, observed=True)["quantity"]
        med = grp.transform("median").to_numpy()
        absdev = pd.Series(
            np.abs(q - med), index=dh.index
        )  # vectorised MAD: no size limit, no silent skip
        mad = (
            absdev.groupby([dh[k] for k in keys], dropna=False, observed=True)
            .transform("median")
            .to_numpy()
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            extreme = int(np.nansum((mad > 0) & (np.abs(q - med) > 10 * 1.4826 * mad)))
        if extreme:
            out.append(
                f"demand_history: {extreme:,} values lie more than 10 robust standard deviations from their series median (possible outliers or promotions)."
            )
    for name in ("purchase_order_lines", "invoices"):
        frame = tables.get(name)
        if frame is None or "currency" not in frame.columns:
            continue
        currencies = sorted(frame["currency"].dropna().unique())
        rates = tables.get("exchange_rates")
        if wants_rates and len(currencies) > 1 and (rates is None or rates.empty):
            out.append(
                f"{name}: mixed currencies {currencies} and no exchange_rates table: amounts are summed as they are."
            )
    for name, frame in tables.items():
        if name == "invoices":  # double-posted invoices inflate spend
            dups = int(frame.drop(columns=["line_id"], errors="ignore").duplicated().sum())
            if dups:
                out.append(
                    f"{name}: {dups:,} rows are exact duplicates of another row (kept; check for double posting)."
                )
    return out
