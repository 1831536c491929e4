"""Figure helpers in the suite's style; each returns a matplotlib Figure for ``Report.figure``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import Formatter, MaxNLocator

from scmlib.errors import ParameterError
from scmlib.reporting import PALETTE, STATUS_COLOURS, fmt_compact_money
from scmlib.reporting.labels import sentence_case, value_label


class UniqueFormatter(Formatter):
    """Tick labels with the fewest decimals that keep every label on the axis distinct, so that
    ticks never read ``1%, 1%, 1%`` or ``92% / 88% / 82%`` for unevenly rounded steps."""

    def __init__(self, kind: str = "number", currency: str = "$"):
        self.kind, self.currency = kind, currency

    def _one(self, v: float, decimals: int) -> str:
        if self.kind == "pct":
            return f"{100 * v:,.{decimals}f}%"
        if self.kind == "money":
            return (
                fmt_compact_money(v, self.currency)
                if decimals == 0
                else f"{self.currency}{v:,.{decimals}f}"
            )
        a = abs(v)
        for div, suf in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if a >= div:
                return f"{v / div:,.{max(decimals, 1) if decimals else 1}f}{suf}"
        return f"{v:,.{decimals}f}"

    def format_ticks(self, values):
        values = list(values)
        for decimals in range(0, 5):
            labels = [self._one(v, decimals) for v in values]
            if len(set(labels)) == len(labels):
                return labels
        return labels

    def __call__(self, x, pos=None):
        return self._one(x, 0 if self.kind != "pct" or abs(x) >= 0.1 else 1)


CONTRAST = [PALETTE[0], PALETTE[4], PALETTE[2], PALETTE[3]]  # navy, red, orange, green


def axis_format(ax, which: str = "y", kind: str = "number", currency: str = "$") -> None:
    """Format an axis as ``number`` (1.2k, 3.4M), ``money`` or ``pct`` (fractions), with labels
    that never repeat (:class:`UniqueFormatter`)."""
    (ax.yaxis if which == "y" else ax.xaxis).set_major_formatter(UniqueFormatter(kind, currency))


def axis_title(column: str, kind: str = "number", currency: str = "$") -> str:
    """An axis title from a column name: the label registry's text with the unit of ``kind``."""
    from scmlib.reporting.labels import LABELS, humanise

    text, unit = LABELS.get(str(column), (humanise(column), ""))
    unit = {"pct": "%", "money": currency}.get(kind, unit)
    return f"{text} ({unit})" if unit else text


def finish(fig, ax, title: str, xlabel: str, ylabel: str, legend: bool = False):
    """Title (sentence case), both axis titles and a legend kept off the data; refuses a chart
    without axis titles (a reader must know what each axis measures and in which unit)."""
    for axis, text in (("x", xlabel), ("y", ylabel)):
        if not str(text or "").strip():
            raise ParameterError(f"chart '{title}': the {axis} axis needs a title (with its unit)")
    ax.set_title(title[:1].upper() + title[1:])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def bar(
    df: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    kind: str = "number",
    horizontal: bool = True,
    color: str | None = None,
    labels: bool = True,
    currency: str = "$",
    figsize=(9.5, 4.2),
    xlabel: str = "",
    ylabel: str = "",
):
    """Bar chart of ``y`` by ``x`` (horizontal by default, largest on top)."""
    fig, ax = plt.subplots(figsize=figsize)
    data = df[[x, y]].copy()
    data[x] = data[x].astype(str)
    colours = color or PALETTE[0]
    if horizontal:
        data = data.iloc[::-1]
        bars = ax.barh(data[x], data[y], color=colours)
        axis_format(ax, "x", kind, currency)
    else:
        bars = ax.bar(data[x], data[y], color=colours)
        axis_format(ax, "y", kind, currency)
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    counts = bool(np.all(np.mod(data[y].dropna().to_numpy(dtype=float), 1) == 0))
    if counts and kind == "number":  # counts tick at whole numbers: no "2.5 suppliers"
        (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    if labels and len(data) <= 25:
        fmt = {
            "pct": lambda v: f"{100 * v:,.1f}%",
            "money": lambda v: fmt_compact_money(v, currency),
        }.get(
            kind,
            lambda v: f"{v:,.0f}" if abs(v) >= 10 or counts else f"{v:,.2f}",
        )  # counts as whole numbers ("9", not "9.00"); an index keeps its decimals ("1.00")
        ax.bar_label(bars, labels=[fmt(v) for v in data[y]], padding=3, fontsize=8)
    lo = min(0.0, float(np.nanmin(data[y]))) if len(data) else 0.0
    if horizontal:  # bars start at zero
        ax.set_xlim(left=lo)
    else:
        ax.set_ylim(bottom=lo)
    vx, vy = xlabel or axis_title(x), ylabel or axis_title(y, kind, currency)
    return finish(fig, ax, title, vy if horizontal else vx, vx if horizontal else vy)


def _legend(key) -> str:
    """A group's legend entry: coded values as words with a capital (``non-critical`` ->
    ``Non-critical``)."""
    return sentence_case(value_label(key))


def lines(
    df: pd.DataFrame,
    x: str,
    y: str | Sequence[str],
    title: str,
    hue: str | None = None,
    kind: str = "number",
    ylabel: str = "",
    currency: str = "$",
    target: float | None = None,
    figsize=(9.5, 4.0),
    xlabel: str = "",
):
    """Line chart of one or more columns over ``x`` (or one line per ``hue`` value)."""
    fig, ax = plt.subplots(figsize=figsize)
    ys = [y] if isinstance(y, str) else list(y)
    if hue:
        for i, (key, g) in enumerate(df.groupby(hue, observed=True, sort=True)):
            ax.plot(
                g[x],
                g[ys[0]],
                marker="o",
                ms=3,
                lw=1.8,
                color=PALETTE[i % len(PALETTE)],
                label=_legend(key),
            )
    else:
        for i, col in enumerate(ys):
            ax.plot(
                df[x],
                df[col],
                marker="o",
                ms=3,
                lw=1.8,
                color=PALETTE[i % len(PALETTE)],
                label=axis_title(col),
            )
    if target is not None:
        ax.axhline(target, color=STATUS_COLOURS["red"], ls="--", lw=1, label="target")
    axis_format(ax, "y", kind, currency)
    if pd.api.types.is_datetime64_any_dtype(df[x]):  # months read as "Oct 2026", as in tables
        import matplotlib.dates as mdates

        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    xt = xlabel or ("Month" if x in ("period", "date", "target_date") else axis_title(x))
    yt = ylabel or (
        axis_title(ys[0], kind, currency)
        if len(ys) == 1
        else {"pct": "%", "money": currency}.get(kind, "Value")
    )
    return finish(fig, ax, title, xt, yt, legend=bool(hue or len(ys) > 1 or target is not None))


def heatmap(
    matrix: pd.DataFrame,
    title: str,
    fmt: str = ",.0f",
    cmap: str = "Blues",
    figsize=(6.5, 4.0),
    cbar: bool = False,
    annot: pd.DataFrame | None = None,
    xlabel: str = "",
    ylabel: str = "",
):
    """Annotated heat map of a small matrix (e.g. ABC x XYZ, likelihood x impact)."""
    import seaborn as sns

    from scmlib.reporting.labels import value_label

    matrix = matrix.rename(index=value_label, columns=value_label)
    if annot is not None:
        annot = annot.rename(index=value_label, columns=value_label)
    fig, ax = plt.subplots(figsize=figsize)
    sns.heatmap(
        matrix.astype(float),
        annot=annot if annot is not None else True,
        fmt="" if annot is not None else fmt,
        cmap=cmap,
        cbar=cbar,
        linewidths=0.6,
        linecolor="white",
        ax=ax,
        annot_kws={"fontsize": 9},
    )
    plt.setp(ax.get_yticklabels(), rotation=0)
    if (
        max((len(str(c)) for c in matrix.columns), default=0) > 8
    ):  # long labels: slanted, not vertical
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    else:
        plt.setp(ax.get_xticklabels(), rotation=0)
    return finish(
        fig,
        ax,
        title,
        xlabel or axis_title(matrix.columns.name or "columns"),
        ylabel or axis_title(matrix.index.name or "rows"),
    )


def pareto(
    values: pd.Series, title: str, cutoff: float = 0.8, unit: str = "suppliers", figsize=(9.5, 4.0)
):
    """Cumulative share of the total against the share of entities (sorted descending)."""
    v = pd.Series(values, dtype=float).clip(lower=0).sort_values(ascending=False)
    cum = v.cumsum() / v.sum() if v.sum() > 0 else v * 0
    x = np.arange(1, len(v) + 1) / max(len(v), 1)
    fig, ax = plt.subplots(figsize=figsize)
    ax.plot(x, cum.to_numpy(), color=PALETTE[0], lw=2)
    n_cut = int((cum.to_numpy() < cutoff).sum()) + 1
    ax.axhline(cutoff, color=STATUS_COLOURS["red"], ls="--", lw=1)
    ax.axvline(n_cut / max(len(v), 1), color=STATUS_COLOURS["amber"], ls=":", lw=1)
    ax.annotate(
        f"{n_cut:,} of {len(v):,} {unit} ({n_cut / max(len(v), 1):.0%}) make {cutoff:.0%} of the total",
        xy=(n_cut / max(len(v), 1), cutoff),
        xytext=(0.35, 0.35),
        textcoords="axes fraction",
        arrowprops={"arrowstyle": "->", "color": "#555"},
        fontsize=9,
    )
    axis_format(ax, "y", "pct")
    axis_format(ax, "x", "pct")
    ax.set_ylim(0, 1.02)
    return finish(
        fig, ax, title, f"Share of {unit}, largest first (%)", "Cumulative share of the total (%)"
    )


def waterfall(
    steps: pd.DataFrame,
    label: str,
    value: str,
    title: str,
    kind: str = "pct",
    figsize=(8, 4.0),
    ylabel: str = "",
):
    """Waterfall: first row is the starting level, following rows are changes, last bar is the end level."""
    fig, ax = plt.subplots(figsize=figsize)
    vals = steps[value].to_numpy(dtype=float)
    labs = steps[label].astype(str).tolist()
    level = vals[0]
    ax.bar(labs[0], level, color=PALETTE[0])
    ax.text(
        0,
        level,
        f"{100 * level:.1f}%" if kind == "pct" else f"{level:,.0f}",
        ha="center",
        va="bottom",
        fontsize=9,
    )
    for i, delta in enumerate(vals[1:], start=1):
        colour = STATUS_COLOURS["green"] if delta >= 0 else STATUS_COLOURS["red"]
        ax.bar(labs[i], delta, bottom=level, color=colour)
        ax.text(
            i,
            level + max(delta, 0),
            (f"{100 * delta:+.1f} pts" if kind == "pct" else f"{delta:+,.0f}"),
            ha="center",
            va="bottom",
            fontsize=9,
        )
        level += delta
    ax.bar("final", level, color=PALETTE[1])
    ax.text(
        len(vals),
        level,
        f"{100 * level:.1f}%" if kind == "pct" else f"{level:,.0f}",
        ha="center",
        va="bottom",
        fontsize=9,
    )
    axis_format(ax, "y", kind)
    ax.set_ylim(bottom=min(0.0, float(np.min(np.cumsum(vals)))))  # bars start at zero
    return finish(fig, ax, title, "Step", ylabel or {"pct": "%"}.get(kind, "Value"))


def scatter(
    df: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    hue: str | None = None,
    xkind: str = "number",
    ykind: str = "number",
    xlabel: str = "",
    ylabel: str = "",
    currency: str = "$",
    figsize=(8, 4.2),
    logx: bool = False,
    label: str | None = None,
    label_top: int = 8,
    diagonal: bool = False,
):
    """Scatter of ``y`` against ``x``; ``label`` names the column whose values identify the points a
    reader must find: the ``label_top`` largest by ``y`` are annotated. ``hue`` groups are drawn
    in contrasting colours; ``diagonal`` draws the line y = x (where x and y are the same
    measure, e.g. time to survive against time to recover)."""
    fig, ax = plt.subplots(figsize=figsize)
    if hue:
        for i, (key, g) in enumerate(df.groupby(hue, observed=True, sort=True)):
            colour = CONTRAST[i % len(CONTRAST)]
            ax.scatter(g[x], g[y], s=18, alpha=0.7, color=colour, label=_legend(key))
    else:
        ax.scatter(df[x], df[y], s=18, alpha=0.7, color=PALETTE[0])
    if diagonal and len(df):
        lo = float(np.nanmin([df[x].min(), df[y].min(), 0.0]))
        hi = float(np.nanmax([df[x].max(), df[y].max()]))
        ax.plot([lo, hi], [lo, hi], color="#7f8c8d", ls="--", lw=1, label="y = x")
    if label:
        for _, r in df.nlargest(label_top, y).iterrows():
            ax.annotate(
                str(r[label]),
                (r[x], r[y]),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=7.5,
                color="#34495e",
            )
    if logx:
        ax.set_xscale("log")
    else:
        axis_format(ax, "x", xkind, currency)
    axis_format(ax, "y", ykind, currency)
    return finish(
        fig,
        ax,
        title,
        xlabel or axis_title(x, xkind, currency),
        ylabel or axis_title(y, ykind, currency),
        legend=bool(hue) or diagonal,
    )


def fan(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    title: str,
    date: str = "date",
    actual: str = "quantity",
    point: str = "forecast",
    bands: Sequence[tuple[str, str, str]] = (),
    fitted: pd.DataFrame | None = None,
    figsize=(9.5, 3.6),
    ylabel: str = "Demand (units)",
):
    """History, optional backtest fit, forecast and prediction-interval bands."""
    fig, ax = plt.subplots(figsize=figsize)
    ax.plot(history[date], history[actual], color="#34495e", lw=1.6, label="actual")
    if fitted is not None and not fitted.empty:
        ax.plot(
            fitted[date],
            fitted[point],
            color=PALETTE[2],
            lw=1.2,
            ls="--",
            label="backtest forecast",
        )
    for i, (lo, hi, lab) in enumerate(bands):
        ax.fill_between(
            forecast[date],
            forecast[lo],
            forecast[hi],
            color=PALETTE[1],
            alpha=0.18 + 0.12 * i,
            lw=0,
            label=lab,
        )
    ax.plot(forecast[date], forecast[point], color=PALETTE[1], lw=2, label="forecast")
    axis_format(ax, "y", "number")
    return finish(fig, ax, title, "Period", ylabel, legend=True)


def kpi_trend(
    monthly: pd.DataFrame,
    kpi: str,
    target: float | None = None,
    currency: str = "$",
    figsize=(9.5, 2.8),
):
    """Monthly values of one KPI (registry label and unit) with its target line."""
    from scmlib.core.kpi import KPIS

    k = KPIS[kpi]
    kind = {"%": "pct", "money": "money"}.get(k.unit, "number")
    unit = {"%": "%", "days": "days", "ppm": "ppm", "money": currency}.get(k.unit, "")
    return lines(
        monthly,
        "period",
        "value",
        f"{k.label} by month",
        kind=kind,
        ylabel=f"{k.label} ({unit})" if unit else k.label,
        currency=currency,
        target=target,
        figsize=figsize,
    )


def panels(
    df: pd.DataFrame,
    panel: str,
    x: str,
    y: Sequence[str],
    title: str,
    kind: str = "number",
    ylabel: str = "",
    currency: str = "$",
    xlabel: str = "",
    panel_titles: Mapping[str, str] | None = None,
    figsize=(11, 3.6),
):
    """Small multiples: one panel per value of ``panel`` (in order of appearance), the same
    ``y`` lines in each, on one shared value axis starting at zero, so panels compare at a
    glance (the bullwhip of several policies side by side). Axis titles as in every chart."""
    names = list(dict.fromkeys(df[panel]))
    fig, axes = plt.subplots(1, len(names), figsize=figsize, sharey=True, squeeze=False)
    xt = xlabel or ("Month" if x in ("period", "date", "target_date") else axis_title(x))
    yt = ylabel or axis_title(y[0], kind, currency)
    for ax, name in zip(axes[0], names, strict=True):
        g = df[df[panel] == name]
        for j, col in enumerate(y):
            colour = CONTRAST[j % len(CONTRAST)]  # lines told apart at a glance
            ax.plot(g[x], g[col], lw=1.6, color=colour, label=axis_title(col))
        ax.set_title((panel_titles or {}).get(name, str(name)), fontsize=10.5)
        ax.set_xlabel(xt)
        axis_format(ax, "y", kind, currency)
        ax.set_ylim(bottom=0)
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    for axis, text in (("x", xt), ("y", yt)):
        if not str(text or "").strip():
            raise ParameterError(f"chart '{title}': the {axis} axis needs a title (with its unit)")
    axes[0][0].set_ylabel(yt)
    axes[0][-1].legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(title[:1].upper() + title[1:], fontweight="bold")
    fig.tight_layout()
    return fig


def network_map(
    customers: pd.DataFrame,
    sites: pd.DataFrame,
    assignment: pd.DataFrame | None = None,
    title: str = "Network",
    extra_points: pd.DataFrame | None = None,
    figsize=(10, 5.2),
):
    """Sites and customers on longitude / latitude (offline, plain matplotlib: no tiles), with
    markers sized by demand and a line from each customer to the site serving most of it.
    ``extra_points`` (``location``, ``latitude``, ``longitude``) are marked with crosses."""
    from matplotlib.collections import LineCollection

    fig, ax = plt.subplots(figsize=figsize)
    size = 8 + 250 * customers["demand"] / max(float(customers["demand"].max()), 1e-9)
    if assignment is not None and len(assignment):
        main = assignment.sort_values("share", ascending=False).drop_duplicates("customer_id")
        c = customers.set_index("customer_id")
        s = sites.set_index("site_id")
        x0 = main["customer_id"].map(c["longitude"]).to_numpy()
        y0 = main["customer_id"].map(c["latitude"]).to_numpy()
        x1 = main["site_id"].map(s["longitude"]).to_numpy()
        y1 = main["site_id"].map(s["latitude"]).to_numpy()
        segs = np.stack([np.column_stack([x0, x1]), np.column_stack([y0, y1])], axis=-1)
        ax.add_collection(LineCollection(segs, colors="#9aa7b8", linewidths=0.5, alpha=0.6))
    ax.scatter(
        customers["longitude"],
        customers["latitude"],
        s=size,
        c="#1f77b4",
        alpha=0.45,
        edgecolors="none",
        label="customers (size = demand)",
    )
    is_open = sites["open"] if "open" in sites else pd.Series(True, index=sites.index)
    ax.scatter(
        sites.loc[~is_open, "longitude"],
        sites.loc[~is_open, "latitude"],
        marker="^",
        s=40,
        facecolors="none",
        edgecolors="#7f7f7f",
        label="candidate site (closed)",
    )
    ax.scatter(
        sites.loc[is_open, "longitude"],
        sites.loc[is_open, "latitude"],
        marker="^",
        s=140,
        c="#d62728",
        edgecolors="black",
        label="open site",
    )
    for _, r in sites[is_open].iterrows():  # a handful of open sites
        ax.annotate(
            str(r.get("name", r["site_id"])),
            (r["longitude"], r["latitude"]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
        )
    if extra_points is not None:
        for i, (_, r) in enumerate(extra_points.iterrows()):
            ax.scatter(
                [r["longitude"]],
                [r["latitude"]],
                marker="X",
                s=120,
                c=["#2ca02c", "#9467bd", "#8c564b"][i % 3],
                label=str(r["location"]),
            )
    ax.grid(True, lw=0.3, alpha=0.5)
    return finish(fig, ax, title, "Longitude (degrees)", "Latitude (degrees)", legend=True)
