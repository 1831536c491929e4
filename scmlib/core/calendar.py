"""The company's fiscal calendar: fiscal years and quarters from ``calendar.fiscal_year_start_month``.

A fiscal year starting in April (``fiscal_year_start_month: 4``, as in the UK government and
Japan) runs April to March: 15 May 2026 lies in fiscal year 2026/27, quarter 1; 10 February
2027 in 2026/27, quarter 4. A fiscal year starting in January is the calendar year (labelled
``2026``). Quarters are pandas quarterly periods anchored on the fiscal year's last month
(``Q-MAR`` for an April start), so grouping by them is vectorised.
"""

from __future__ import annotations

import pandas as pd

from scmlib.errors import ParameterError

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def _start(start_month: int) -> int:
    if not 1 <= int(start_month) <= 12:
        raise ParameterError(f"calendar.fiscal_year_start_month must be 1-12, got {start_month!r}")
    return int(start_month)


def quarter_freq(start_month: int) -> str:
    """The pandas quarterly frequency whose year ends the month before ``start_month``."""
    return f"Q-{_MONTHS[(_start(start_month) - 2) % 12]}"


def fiscal_year_start(dates: pd.Series, start_month: int) -> pd.Series:
    """The calendar year in which each date's fiscal year starts."""
    d = pd.to_datetime(dates)
    return d.dt.year - (d.dt.month < _start(start_month)).astype(int)


def fiscal_quarter(dates: pd.Series, start_month: int) -> pd.Series:
    """Fiscal quarter number (1-4) of each date."""
    d = pd.to_datetime(dates)
    return ((d.dt.month - _start(start_month)) % 12) // 3 + 1


def fiscal_label(dates: pd.Series, start_month: int, quarter: bool = True) -> pd.Series:
    """Labels such as ``FY2026/27 Q1`` (``FY2026 Q1`` when the fiscal year is the calendar year).

    Examples
    --------
    The module's example, a fiscal year starting in April (UK government, Japan):

    >>> import pandas as pd
    >>> fiscal_label(pd.Series(pd.to_datetime(["2026-05-15", "2027-02-10"])), 4).tolist()
    ['FY2026/27 Q1', 'FY2026/27 Q4']
    >>> fiscal_label(pd.Series(pd.to_datetime(["2026-05-15"])), 1).tolist()
    ['FY2026 Q2']
    """
    y = fiscal_year_start(dates, start_month)
    year = (
        "FY" + y.astype(str)
        if _start(start_month) == 1
        else "FY" + y.astype(str) + "/" + ((y + 1) % 100).astype(str).str.zfill(2)
    )
    return year + (" Q" + fiscal_quarter(dates, start_month).astype(str) if quarter else "")


def partial_months(dates: pd.Series) -> set[pd.Timestamp]:
    """Month starts of the months the data covers only in part: the first month when the data
    start after its first days, the last when they end before its last days, and a first or last
    month holding fewer than half the records of the median month (a system's run-in, or a
    cut-off before postings caught up). Monthly totals of such months are not comparable with full
    months: a half month looks like a halved trend."""
    d = pd.to_datetime(pd.Series(dates)).dropna()
    if d.empty:
        return set()
    first, last = d.min().normalize(), d.max().normalize()
    out = set()
    counts = d.dt.to_period("M").value_counts().sort_index()
    if len(counts) >= 4:
        thin = counts < 0.5 * counts.median()
        if thin.iloc[0]:
            out.add(counts.index[0].start_time)
        if thin.iloc[-1]:
            out.add(counts.index[-1].start_time)
    if first.day > 3:  # a few days' lag in posting is normal; a later start is a partial month
        out.add(first.to_period("M").start_time)
    if (last + pd.offsets.MonthEnd(0)).normalize() - last > pd.Timedelta(days=3):
        out.add(last.to_period("M").start_time)
    return out
