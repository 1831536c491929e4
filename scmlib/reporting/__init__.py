"""One visual style for every report of the suite.

A notebook builds its report with a :class:`Report`: ``header`` (process, parameter set,
data source, period covered, generated at, scmlib version), ``summary`` (the executive
summary, computed by the notebook from the data), ``section``, ``table`` (formatted,
HTML-escaped), ``figure`` (PNG embedded, so reports render offline), ``kpi_tiles``,
``outputs`` (CSV files plus links) and ``appendix`` (definitions and formulas).

Every value placed in HTML goes through :func:`html.escape` (or pandas' escaping), so
data such as ``<script>`` shows as text.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import logging
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

import scmlib
from scmlib.core.text import plural
from scmlib.paths import reports_dir

PALETTE = ["#1f4e79", "#2e86c1", "#f39c12", "#27ae60", "#c0392b", "#8e44ad", "#7f8c8d", "#16a085"]
STATUS_COLOURS = {"green": "#27ae60", "amber": "#f39c12", "red": "#c0392b", "grey": "#95a5a6"}
ACCENT = PALETTE[0]

CSS = """
<style>
.scm-report{font-family:"Segoe UI",Helvetica,Arial,sans-serif;color:#1d2733;max-width:1100px}
.scm-header{border-left:6px solid %(accent)s;background:#f4f7fb;padding:14px 18px;margin:4px 0 14px 0}
.scm-header h1{margin:0 0 6px 0;font-size:26px;color:%(accent)s}
.scm-header table{border-collapse:collapse;font-size:13px}
.scm-header td{padding:1px 14px 1px 0;border:none;text-align:left}
.scm-header td.k{color:#5d6d7e}
.scm-summary{background:#fffdf5;border:1px solid #f0e2b6;padding:10px 18px;margin:10px 0}
.scm-summary h2{font-size:19px;margin:4px 0 6px 0}
.scm-summary li{margin:3px 0;font-size:14px}
.scm-section h2{font-size:20px;color:%(accent)s;border-bottom:2px solid #dbe4ee;padding-bottom:3px;margin-top:22px}
.scm-section p{font-size:14px;max-width:900px}
table.scm-table{border-collapse:collapse;font-size:12.5px;margin:6px 0 4px 0}
.scm-report table.scm-table th{background:%(accent)s;color:#fff;padding:4px 8px;text-align:left;border:1px solid #d5dde6}
.scm-report table.scm-table td{padding:3px 8px;border:1px solid #e3e8ee;text-align:left}
.scm-report table.scm-table td.num{text-align:right;font-variant-numeric:tabular-nums}
.scm-report table.scm-table td.nowrap{white-space:nowrap}
table.scm-table tr:nth-child(even) td{background:#f7f9fb}
.scm-caption{font-size:12px;color:#5d6d7e;margin:2px 0 10px 0}
.scm-figure img{max-width:100%%;height:auto}
.scm-tiles{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.scm-tile{border:1px solid #dbe4ee;border-top:5px solid #95a5a6;padding:8px 12px;min-width:170px;background:#fff}
.scm-tile .v{font-size:22px;font-weight:600}
.scm-tile .l{font-size:12px;color:#5d6d7e}
.scm-tile .t{font-size:11.5px;color:#5d6d7e}
.scm-tile .d{font-size:11px;color:#7f8c8d;margin-top:4px;max-width:260px;font-style:italic}
.scm-note{font-size:13px;background:#eef5fb;border-left:4px solid #2e86c1;padding:6px 10px;margin:6px 0}
.scm-warn{font-size:13px;background:#fdf2e9;border-left:4px solid #e67e22;padding:6px 10px;margin:6px 0}
.scm-error{font-size:14px;background:#fdedec;border-left:6px solid #c0392b;padding:10px 14px;margin:6px 0}
.scm-appendix dt{font-weight:600;margin-top:6px;font-size:13.5px}
.scm-appendix dd{margin-left:16px;font-size:13px}
.scm-outputs li{font-size:13px}
.scm-report code.scm-d{font:inherit;background:none;padding:0;margin:0;color:inherit;border:none}
</style>
""" % {"accent": ACCENT}


def setup(interactive: bool = False) -> None:
    """Apply the suite's theme and keep library warnings out of reports.

    Called once at the top of every notebook (through :class:`Report`). Only the noise of
    third-party libraries is filtered (their deprecation and future warnings, numeric runtime
    warnings inside NumPy and the model libraries); warnings raised by the suite's own code stay
    visible in the run log. Reports never show stderr in any case (see ``runner.export``).
    """
    for category in (DeprecationWarning, FutureWarning, PendingDeprecationWarning):
        # raised from a third-party module (the module regex excludes the suite's own code)
        warnings.filterwarnings("ignore", category=category, module=r"^(?!scmlib\b)")
    for module in (
        "numpy",
        "scipy",
        "statsforecast",
        "statsmodels",
        "pmdarima",
        "numba",
        "sklearn",
        "matplotlib",
        "pandas",
    ):
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=module)
        warnings.filterwarnings("ignore", category=UserWarning, module=module)
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    os.environ.setdefault("TQDM_DISABLE", "0" if interactive else "1")
    import matplotlib

    if not interactive:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cycler import cycler

    plt.style.use("seaborn-v0_8-whitegrid")  # seaborn's whitegrid look without importing seaborn
    plt.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=PALETTE),
            "font.size": 9.5,
            "figure.dpi": 96,
            "savefig.dpi": 96,
            "figure.figsize": (9.5, 4.2),
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    pd.set_option("display.max_columns", 30)


# --------------------------------------------------------------------------- number formats


def fmt_number(value, decimals: int = 0) -> str:
    """``1234567.8 -> '1,234,568'``; missing values render as an en dash."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or pd.isna(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # never "-0"


def fmt_money(value, currency: str = "$", decimals: int = 0) -> str:
    """``fmt_money(1234567, '£') -> '£1,234,567'``; negatives as ``-£1,234``."""
    if value is None or pd.isna(value):
        return "–"
    shown = f"{abs(value):,.{decimals}f}"
    sign = "-" if value < 0 and shown.strip("0.,") else ""  # never "-$0"
    return f"{sign}{currency}{shown}"


def fmt_compact_money(value, currency: str = "$") -> str:
    """``12_300_000 -> '$12.3M'``: for headlines and tiles."""
    if value is None or pd.isna(value):
        return "–"
    v = abs(float(value))
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{'-' if value < 0 else ''}{currency}{v / div:,.1f}{suffix}"
    sign = "-" if value < 0 and round(v) > 0 else ""  # never "-$0"
    return f"{sign}{currency}{v:,.0f}"


def fmt_pct(value, decimals: int = 1) -> str:
    """Fraction to percent: ``0.123 -> '12.3%'``; a value that rounds to zero reads ``0.0%``,
    never ``-0.0%``."""
    if value is None or pd.isna(value) or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    text = f"{100 * value:,.{decimals}f}"
    text = text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # never "-0.0%"
    return f"{text}%"


def fmt_pts(value, decimals: int = 1) -> str:
    """A change in percentage points, signed: ``0.012 -> '+1.2 pts'``; a value that rounds to
    zero reads ``+0.0 pts``, never ``-0.0 pts``."""
    if value is None or pd.isna(value) or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    shown = round(100 * float(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{shown:+.{decimals}f} pts"


def fmt_kpi(kpi: str, value, currency: str = "$", target: float | None = None) -> str:
    """A KPI value in its registry unit: percentages with one decimal (two below 2%, or when one
    decimal would show the ``target`` itself although the value misses it: 94.98% against 95%,
    never "95.0% ... target 95.0%" in amber), days and ppm as whole numbers, money compact."""
    from scmlib.core.kpi import KPIS

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    unit = KPIS[kpi].unit
    if unit == "%":
        looks_on_target = (
            target is not None
            and np.isfinite(target)
            and value != target
            and round(value * 100, 1) == round(target * 100, 1)
        )
        decimals = 2 if abs(value) < 0.02 or looks_on_target else 1
        return fmt_pct(value, decimals)
    if unit == "days":
        return f"{value:,.0f} days"
    if unit == "ppm":
        return f"{value:,.0f} ppm"
    if unit == "suppliers":
        return f"{value:,.0f} suppliers"
    if unit == "money":
        return fmt_compact_money(value, currency)
    return fmt_number(value, 2)


def currency_symbol(code: str) -> str:
    return {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥"}.get(str(code).upper(), f"{code} ")


_FORMATTERS = {
    "int": lambda v, cur: fmt_number(v, 0),
    "num1": lambda v, cur: fmt_number(v, 1),
    "num2": lambda v, cur: fmt_number(v, 2),
    "num3": lambda v, cur: fmt_number(v, 3),
    "money": lambda v, cur: fmt_money(v, cur),
    "money2": lambda v, cur: fmt_money(v, cur, 2),
    "pct": lambda v, cur: fmt_pct(v, 1),
    "pct0": lambda v, cur: fmt_pct(v, 0),
    "date": lambda v, cur: "–" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d"),
    "month": lambda v, cur: "–" if pd.isna(v) else pd.Timestamp(v).strftime("%b %Y"),
    "pts": lambda v, cur: fmt_pts(v),
    "yesno": lambda v, cur: (
        "–"
        if v is None or (not isinstance(v, (bool, np.bool_)) and pd.isna(v))
        else ("Yes" if bool(v) else "No")
    ),
}
CODED_VALUES = {
    "model",
    "lifecycle_stage",
    "status",
    "lever",
    "main_driver",
    "demand_class",
    "disposition",
    "concentration",
    "distribution",
    "method",
    "category_source",
    "segment_policy",
    "policy",
    "kind",
    "step",
    "quadrant",
    "previous_quadrant",
    "strategy",
    "action",
    "recommendation",
    "profit_driver",
    "risk_driver",
    "what",
    "consequence",
    "change",
    "verdict",
}
_SELF_DESCRIBING = {
    "money",
    "money2",
    "pct",
    "pct0",
    "pts",
    "date",
    "month",
    "yesno",
}  # the value shows its unit


def format_frame(
    df: pd.DataFrame, formats: Mapping[str, str] | None = None, currency: str = "$"
) -> pd.DataFrame:
    """Return a copy of ``df`` with every column rendered as display strings.

    ``formats`` maps column -> one of ``int, num1, num2, num3, money, money2, pct, pct0,
    date, month``. Unlisted numeric columns get thousands separators (integers) or one
    decimal; datetimes get ISO dates.
    """
    from scmlib.reporting.labels import LABELS

    formats = dict(formats or {})
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        kind = formats.get(col)
        if LABELS.get(str(col), ("", ""))[1] == "pts" and kind in (None, "pct", "num1"):
            kind = "pts"  # one unit per metric: value-added figures are points everywhere
        if kind is None:
            if pd.api.types.is_bool_dtype(s) or (
                s.dtype == object
                and s.dropna().map(lambda v: isinstance(v, (bool, np.bool_))).all()
                and s.notna().any()
            ):
                kind = "yesno"
            elif pd.api.types.is_integer_dtype(s):
                kind = "int"
            elif pd.api.types.is_float_dtype(s):
                kind = "num1"
            elif pd.api.types.is_datetime64_any_dtype(s):
                kind = "date"
        if kind is None:
            out[col] = s.map(
                lambda v: "–" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
            )
            if (
                str(col) in CODED_VALUES
            ):  # coded values (model names, stages, statuses) read as words
                from scmlib.reporting.labels import sentence_case, value_label

                out[col] = out[col].map(lambda v: v if v == "–" else sentence_case(value_label(v)))
        else:
            if kind not in _FORMATTERS:
                raise ValueError(
                    f"format for column {col!r} must be one of {sorted(_FORMATTERS)}, got {kind!r}"
                )
            fn = _FORMATTERS[kind]
            out[col] = [fn(v, currency) for v in s.to_numpy()]
    return out


def table_html(
    df: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    currency: str = "$",
    max_rows: int | None = 25,
    caption: str | None = None,
    labels: Mapping[str, str] | None = None,
    full_csv: str | None = None,
    full_href: str | None = None,
) -> str:
    """Render a DataFrame as an escaped, styled HTML table (numbers right-aligned, headers from
    the label registry with units). A table cut at ``max_rows`` names ``full_csv``, the output
    file holding all its rows (:meth:`Report.table` writes it)."""
    from scmlib.reporting.labels import label

    shown = df if max_rows is None else df.head(max_rows)
    text = format_frame(shown.reset_index(drop=True), formats, currency)
    numeric = {
        c
        for c in shown.columns
        if pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
    }
    kinds = dict(formats or {})
    dates = {c for c in shown.columns if kinds.get(c) in ("date", "month")}
    dates |= {c for c in shown.columns if pd.api.types.is_datetime64_any_dtype(shown[c])}
    dates |= {c for c in shown.columns if str(c).endswith("_id")}  # codes like RFQ-2026-01 too
    head = "".join(
        f"<th>{html.escape(label(str(c), labels, with_unit=kinds.get(c) not in _SELF_DESCRIBING))}</th>"
        for c in text.columns
    )
    cols = list(text.columns)
    body_rows = []
    values = text.to_numpy()
    for row in values:
        cells = "".join(
            f'<td class="num">{html.escape(v)}</td>'
            if cols[j] in numeric
            else f'<td class="nowrap">{html.escape(v)}</td>'
            if cols[j] in dates  # a date or a code never breaks over two lines
            else f"<td>{html.escape(v)}</td>"
            for j, v in enumerate(row)
        )
        body_rows.append(f"<tr>{cells}</tr>")
    more = ""
    if max_rows is not None and len(df) > max_rows:
        where = (
            f'<a href="{html.escape(full_href or "outputs/" + full_csv)}">outputs/{html.escape(full_csv)}</a>'
            if full_csv
            else "the CSV outputs"
        )
        more = f'<div class="scm-caption">Showing {max_rows:,} of {len(df):,} rows; all rows are in {where}.</div>'
    cap = f'<div class="scm-caption">{html.escape(caption)}</div>' if caption else ""
    return f'<table class="scm-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body_rows)}</tbody></table>{more}{cap}'


def figure_html(fig, caption: str | None = None) -> str:
    """Embed a matplotlib figure as a base64 PNG (offline-viewable) and close it."""
    import matplotlib.pyplot as plt

    # the text alternative (screen readers, a page whose image fails): the chart's titles
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    alt = html.escape(caption or "; ".join([t for t in [suptitle, *titles] if t]) or "chart")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=fig.dpi)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f'<div class="scm-caption">{html.escape(caption)}</div>' if caption else ""
    return (
        f'<div class="scm-figure"><img alt="{alt}" src="data:image/png;base64,{data}"/>{cap}</div>'
    )


_TAG_RE = re.compile(r"(<[^>]*>)")
DOLLAR = '<code class="scm-d">$</code>'


def mathjax_safe(markup: str) -> str:
    """Report markup that JupyterLab's maths renderer leaves alone: every ``$`` in text (not in
    tags or attributes) sits in its own ``<code>`` element, which MathJax never scans, so two
    money amounts in one sentence are never typeset as a formula (``tex2jax_ignore`` classes are
    not honoured by JupyterLab 4)."""
    parts = _TAG_RE.split(markup)
    return "".join(p if i % 2 else p.replace("$", DOLLAR) for i, p in enumerate(parts))


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and headers) cannot run as spreadsheet formulas: a leading ``=``,
    ``+``, ``-``, ``@``, tab or carriage return gets a leading apostrophe (OWASP, CSV injection).
    Numbers are untouched, so negative values stay numbers."""
    out = df.copy()
    danger = ("=", "+", "-", "@", "\t", "\r")

    def fix(v):
        return "'" + v if isinstance(v, str) and v.startswith(danger) else v

    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(fix)
    out.columns = [fix(str(c)) for c in out.columns]
    return out


def write_workbook(path: Path, tables: Mapping[str, pd.DataFrame]) -> Path:
    """One ``.xlsx`` with a sheet per table (names from the file names, Excel's 31 characters),
    formula-safe like the CSV files, written atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    used: set[str] = set()
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for fname, df in tables.items():
            base = re.sub(r"[\\/*?:\[\]]", "_", Path(fname).stem)[:31] or "table"
            sheet, n = base, 2
            while sheet in used:
                sheet = f"{base[:28]}-{n}"
                n += 1
            used.add(sheet)
            frame = spreadsheet_safe(df)
            for col in frame.columns:  # Excel has no time zones
                if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
                    frame[col] = frame[col].dt.tz_localize(None)
            frame.to_excel(xl, sheet_name=sheet, index=False)
    os.replace(tmp, path)
    return path


def _slug(text: str, limit: int = 40) -> str:
    """A file name from a caption: its first clause ("Largest demand first; the CSV ..." gives
    ``largest_demand_first``), lower case, cut at a word boundary within ``limit`` characters."""
    head = re.split(r"[.;:(\n]", str(text), maxsplit=1)[0]
    slug = re.sub(r"[^a-z0-9]+", "_", head.lower()).strip("_")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("_", 1)[0]
    return slug or "table"


def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(mathjax_safe(f'<div class="scm-report">{markup}</div>')))


class Report:
    """The report being built by a notebook.

    Parameters
    ----------
    name : notebook / process name (its CLI name).
    title : report title (also the HTML page title).
    data_source : the data source the notebook loaded.
    currency : currency symbol or ISO code for money formats.
    interactive : whether the analyst is exploring in JupyterLab (widgets) or a headless run.
    """

    def __init__(
        self,
        name: str,
        title: str,
        data_source: str = "demo",
        currency: str = "$",
        interactive: bool = False,
        settings=None,
    ):
        setup(interactive)
        self.settings = settings
        self.figures: list = []
        self.extra_outputs: dict[str, pd.DataFrame] = {}  # full tables behind truncated ones
        self._section = ""
        self.name = name
        self.title = title
        self.data_source = str(data_source)
        self.currency = currency_symbol(currency) if len(str(currency)) == 3 else currency
        self.interactive = interactive
        from scmlib.runner.context import current

        context = current()  # set by `scm run`; empty in an interactive session
        self.parameter_set = context.get("parameter_set", "interactive")
        self.cpus = int(
            context.get("cpus") or os.cpu_count() or 1
        )  # this run's share of the machine
        self.purpose = context.get("purpose", "")
        out = context.get("output_dir")
        self.output_dir = Path(out) if out else reports_dir() / name / "interactive" / "outputs"
        self.generated_at = dt.datetime.now(dt.UTC)

    # -- blocks -----------------------------------------------------------------------------
    def header(self, period: tuple | None = None, extra: Mapping[str, str] | None = None) -> None:
        """Show the header block; ``period`` is (start, end) of the data covered."""
        start, end = period or (None, None)
        period_txt = "–"
        if start is not None and end is not None:
            period_txt = f"{pd.Timestamp(start):%Y-%m-%d} to {pd.Timestamp(end):%Y-%m-%d}"
        rows = {
            "Process": self.title,
            "Parameter set": self.parameter_set,
            "Data source": self.data_source,
            "Period covered": period_txt,
            "Generated at": self.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
            "scmlib version": scmlib.__version__,
        }
        if self.settings is not None:
            rows["Company settings"] = self.settings.source
            differs = self.settings.differences()
            if differs:
                rows["Differs from company settings"] = "; ".join(
                    f"{k} = {v}" for k, v in differs.items()
                )
        rows.update(extra or {})
        cells = "".join(
            f'<tr><td class="k">{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>'
            for k, v in rows.items()
        )
        purpose = self.purpose
        lead = (
            f'<p style="margin:0 0 8px 0;font-size:14px">{html.escape(purpose)}</p>'
            if purpose
            else ""
        )
        _display_html(
            f'{CSS}<div class="scm-header"><h1>{html.escape(self.title)}</h1>{lead}<table>{cells}</table></div>'
        )

    def summary(self, points: Sequence[str], title: str = "Executive summary") -> None:
        """Show the executive summary: bullet points computed by the notebook from the data."""
        items = "".join(f"<li>{html.escape(p)}</li>" for p in points)
        _display_html(
            f'<div class="scm-summary"><h2>{html.escape(title)}</h2><ul>{items}</ul></div>'
        )

    def section(self, title: str, text: str = "") -> None:
        self._section = title
        para = f"<p>{html.escape(text)}</p>" if text else ""
        _display_html(f'<div class="scm-section"><h2>{html.escape(title)}</h2>{para}</div>')

    def note(self, text: str, kind: str = "note") -> None:
        """A highlighted sentence: ``kind`` is ``note`` or ``warn``."""
        _display_html(
            f'<div class="scm-{"warn" if kind == "warn" else "note"}">{html.escape(text)}</div>'
        )

    def table(
        self,
        df: pd.DataFrame,
        formats: Mapping[str, str] | None = None,
        max_rows: int | None = 25,
        caption: str | None = None,
        labels: Mapping[str, str] | None = None,
        name: str | None = None,
    ) -> None:
        """A formatted table; when it has more than ``max_rows`` rows, all of them are written to
        ``outputs/<name>.csv`` (``name`` defaults to a slug of the caption or the current section)
        and the note under the table links that file."""
        full = None
        if max_rows is not None and len(df) > max_rows:
            base = _slug(name or caption or self._section or "table")
            full, n = f"{base}.csv", 2
            while full in self.extra_outputs:  # two tables of one caption: both kept
                full, n = f"{base}_{n}.csv", n + 1
            self._write_csv(self.output_dir / full, df)
            self.extra_outputs[full] = df
        _display_html(
            table_html(
                df,
                formats,
                self.currency,
                max_rows,
                caption,
                labels,
                full,
                self._href(full) if full else None,
            )
        )

    def figure(self, fig, caption: str | None = None) -> None:
        _display_html(figure_html(fig, caption))

    def kpi_tiles(self, tiles: Sequence[Mapping[str, str]]) -> None:
        """Tiles of ``{'label', 'value', 'detail', 'status'}`` (status green/amber/red/grey). A
        coloured tile always says its status in words too (colour alone is not readable by all):
        ``status_text`` when the tile gives one (e.g. a grade's meaning), else the target words."""
        from scmlib.core.kpi import STATUS_WORDS

        out = []
        for t in tiles:
            status = str(t.get("status", "grey"))
            colour = STATUS_COLOURS.get(status, STATUS_COLOURS["grey"])
            detail = str(t.get("detail", ""))
            words = t.get("status_text") or (
                STATUS_WORDS[status] if status in ("green", "amber", "red") else None
            )
            if words and words not in detail:
                detail = f"{words} · {detail}" if detail else words
            definition = t.get("definition")
            defn = f'<div class="d">{html.escape(str(definition))}</div>' if definition else ""
            out.append(
                f'<div class="scm-tile status-{html.escape(status)}" style="border-top-color:{colour}"><div class="l">{html.escape(str(t.get("label", "")))}</div>'
                f'<div class="v">{html.escape(str(t.get("value", "")))}</div><div class="t">{html.escape(detail)}</div>{defn}</div>'
            )
        _display_html(f'<div class="scm-tiles">{"".join(out)}</div>')

    def headlines(self, figures: Sequence, caption: str | None = None) -> None:
        """Headline figures (:class:`scmlib.core.kpi.Figure`) as tiles: value with its unit, the
        status in words and colour against the company target, the window, and beside each the
        line saying how the figure is defined. Every figure is also written to
        ``outputs/headlines.csv`` so reports can be reconciled with each other."""
        from scmlib.core.kpi import KPIS, STATUS_WORDS, rag

        tiles = []
        for f in figures:
            kpi = KPIS[f.kpi]
            target = self.settings.target(f.kpi) if self.settings is not None else None
            band = self.settings["amber_band"] if self.settings is not None else 0.05
            value = abs(f.value) if f.kpi == "forecast_bias" else f.value
            status = rag(value, target, kpi.higher_is_better, band) if f.available else "grey"
            words = (
                STATUS_WORDS[status]
                if target is not None and f.available
                else ("not available" if not f.available else "")
            )
            detail = " · ".join(
                x
                for x in (
                    f"{words}"
                    + (
                        f" (target {'|x| ≤ ' if f.kpi == 'forecast_bias' else ''}{fmt_kpi(f.kpi, target, self.currency)})"
                        if target is not None
                        else ""
                    ),
                    f.window_text,
                )
                if x
            )
            tiles.append(
                {
                    "label": kpi.label + (f" ({kpi.scor})" if kpi.scor else ""),
                    "value": fmt_kpi(f.kpi, f.value, self.currency, target=target),
                    "status": status,
                    "detail": detail,
                    "definition": f"{f.definition}; {f.basis}" if f.basis else f.definition,
                }
            )
            self.figures.append(f)
        self.kpi_tiles(tiles)
        if caption:
            _display_html(f'<div class="scm-caption">{html.escape(caption)}</div>')
        self._write_headlines()

    def _write_headlines(self) -> None:
        from scmlib.core.files import atomic_write_text

        rows = [f.as_row() for f in self.figures]
        frame = pd.DataFrame(rows).drop_duplicates(
            subset=["kpi", "window_start", "window_end", "definition"], keep="last"
        )
        self.output_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.output_dir / "headlines.csv", frame.to_csv(index=False))

    def data_quality(self, issues: Sequence[str]) -> None:
        """Show the data-quality warnings collected while loading (or that none were found)."""
        if not issues:
            self.note(
                "Data quality: no warnings were raised while loading and validating the data."
            )
            return
        items = "".join(f"<li>{html.escape(i)}</li>" for i in issues)
        _display_html(
            f'<div class="scm-warn"><b>Data-quality warnings ({len(issues)})</b><ul>{items}</ul></div>'
        )

    def _href(self, fname: str) -> str:
        """A link to an output file: relative to the report in a run folder; relative to the
        notebook (in ``notebooks/``) in an interactive JupyterLab session."""
        if self.parameter_set != "interactive":
            return f"outputs/{fname}"
        from scmlib.paths import notebooks_dir

        return Path(os.path.relpath(self.output_dir / fname, notebooks_dir())).as_posix()

    @staticmethod
    def _write_csv(path: Path, df: pd.DataFrame) -> None:
        from scmlib.core.files import atomic_write_text

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, spreadsheet_safe(df).to_csv(index=False))

    def outputs(
        self, tables: Mapping[str, pd.DataFrame], descriptions: Mapping[str, str] | None = None
    ) -> dict[str, Path]:
        """Write each table to ``<run folder>/outputs/<name>.csv``, all of them (and the full
        tables behind truncated ones) to one workbook ``outputs/<report>.xlsx`` for managers, and
        list them with links. Text cells that a spreadsheet would run as a formula are
        neutralised (:func:`spreadsheet_safe`)."""
        self.output_dir.mkdir(parents=True, exist_ok=True)
        clash = [
            f
            for f, df in tables.items()
            if f in self.extra_outputs and len(self.extra_outputs[f]) != len(df)
        ]
        if clash:  # the link under a truncated table would open a different table
            raise ValueError(
                f"output {clash[0]!r} is also the full-rows file of a table shown in part, with "
                "other rows: give the output or the table another name"
            )
        written = {}
        items = []
        for fname, df in tables.items():
            path = self.output_dir / fname
            self._write_csv(path, df)
            written[fname] = path
            desc = (descriptions or {}).get(fname, "")
            href = html.escape(self._href(fname))
            items.append(
                f'<li><a href="{href}">{html.escape(fname)}</a> – {plural(len(df), "row")}'
                f"{': ' + html.escape(desc) if desc else ''}</li>"
            )
        for fname, df in self.extra_outputs.items():
            if fname in tables:  # the key table itself is the full table: listed once
                continue
            items.append(
                f'<li><a href="{html.escape(self._href(fname))}">{html.escape(fname)}</a> – {len(df):,} rows: all rows of a table shown in part above</li>'
            )
        book = self.output_dir / f"{self.name}.xlsx"
        sheets = {**tables, **self.extra_outputs}
        if self.figures:
            sheets = {"headlines.csv": pd.DataFrame([f.as_row() for f in self.figures]), **sheets}
        write_workbook(book, sheets)
        written[book.name] = book
        items.append(
            f'<li><a href="{html.escape(self._href(book.name))}">{html.escape(book.name)}</a> – every table above in one workbook, a sheet each</li>'
        )
        _display_html(
            f'<div class="scm-section scm-outputs"><h2>Outputs</h2><ul>{"".join(items)}</ul></div>'
        )
        return written

    def explore(self, render, title: str, **controls) -> None:
        """An interactive view with widgets, in JupyterLab only (``interactive=True``).

        ``controls`` map argument names to a list of choices (a dropdown), a :class:`Picker`
        (a searchable box over every choice, with a "flagged only" filter), or a slider tuple
        ``(min, max, step, value)``, with a fifth element ``"pct"`` to show the value as a
        percentage. ``render(**values)`` displays the view (typically through ``Report.table`` /
        ``Report.figure``). Headless reports leave explore sections out: they would repeat what
        the report shows.
        """
        if not self.interactive:
            return  # the static report already shows what this view would repeat
        self.section(title)
        import ipywidgets as w
        from IPython.display import display

        widgets, extra = {}, []
        for k, v in controls.items():
            label = k.replace("_", " ")
            if isinstance(v, Picker):
                box = w.Combobox(
                    options=list(v.options),
                    value=v.options[0] if v.options else "",
                    placeholder="type to search",
                    description=label,
                    ensure_option=True,
                    continuous_update=False,
                )
                if v.flagged:
                    only = w.Checkbox(
                        value=False, description=f"{v.flag_label} only ({len(v.flagged):,})"
                    )

                    def refilter(change, box=box, picker=v):
                        box.options = (
                            [o for o in picker.options if o in picker.flagged]
                            if change["new"]
                            else list(picker.options)
                        )

                    only.observe(refilter, names="value")
                    extra.append(only)
                widgets[k] = box
            elif isinstance(v, tuple):
                pct = len(v) > 4 and v[4] == "pct"
                widgets[k] = w.FloatSlider(
                    min=v[0],
                    max=v[1],
                    step=v[2],
                    value=v[3],
                    description=label,
                    continuous_update=False,
                    readout_format=".1%" if pct else ".2f",
                    style={"description_width": "initial"},
                )
            else:
                widgets[k] = w.Dropdown(options=list(v), value=list(v)[0], description=label)

        def guarded(**values):
            if any(isinstance(widgets[k], w.Combobox) and not values[k] for k in values):
                return  # an unfinished search
            render(**values)

        out = w.interactive_output(guarded, widgets)
        display(w.VBox([w.HBox([*widgets.values(), *extra]), out]))

    def appendix(
        self,
        definitions: Mapping[str, str] | Sequence[tuple[str, str]],
        title: str = "Method appendix",
    ) -> None:
        pairs = definitions.items() if isinstance(definitions, Mapping) else definitions
        body = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in pairs)
        _display_html(
            f'<div class="scm-section scm-appendix"><h2>{html.escape(title)}</h2><dl>{body}</dl></div>'
        )


class Picker:
    """Choices for :meth:`Report.explore` too many for a dropdown: a searchable box over all of
    them, with a filter to the ``flagged`` ones (e.g. the series flagged for planner review)."""

    def __init__(self, options, flagged=(), flag_label: str = "flagged"):
        self.options = [str(o) for o in options]
        self.flagged = {str(o) for o in flagged}
        self.flag_label = flag_label


def error_banner(message: str) -> str:
    """HTML shown at the top of a failed run's report."""
    return (
        f'{CSS}<div class="scm-report"><div class="scm-error"><b>This run failed.</b> '
        f"{html.escape(message)}<br/>Earlier reports are untouched; the kernel log is in run.log.</div></div>"
    )
