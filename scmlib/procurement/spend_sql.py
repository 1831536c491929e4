"""Spend analysis out of core: DuckDB SQL over Parquet invoice files.

Accounts-payable history outgrows memory (100 million invoice lines are about 10 GB in pandas).
:func:`analyse_parquet` runs the same analysis as :func:`scmlib.procurement.spend.prepare_spend`
followed by :func:`scmlib.procurement.spend.analyse_lines`, but streams the invoice lines from
Parquet through DuckDB: one scan converts currencies, maps raw supplier names to companies,
classifies, flags maverick lines and aggregates to a day-level cube held by DuckDB; the spend
cube, totals, Pareto shares (window functions), tail, fragmentation (HHI), maverick spend and
the savings-lever baseline are SQL over that cube. Only the small tables (suppliers, exchange
rates, PO lines, contracts) and the distinct supplier names are in pandas, where the shared
functions of :mod:`scmlib.procurement.spend` apply to them, so both engines return the same
tidy frames (a test compares them on the demo).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from scmlib.core import measures as M
from scmlib.core.currency import to_reporting_currency
from scmlib.core.settings import Settings
from scmlib.errors import DataError, ParameterError
from scmlib.procurement import spend as S

OTHER_TABLES = ("suppliers", "exchange_rates", "purchase_order_lines", "contracts", "items")
AUTO_THRESHOLD_LINES = 5_000_000  # engine "auto": DuckDB above this many Parquet invoice lines
ENGINES = ("auto", "pandas", "duckdb")


def invoice_files(source: str, read_options: Mapping | None = None) -> list[Path]:
    """The Parquet files holding a folder source's invoices: ``invoices.parquet``, the
    ``*.parquet`` files of an ``invoices/`` folder, or ``read_options['invoices']['path']`` when
    it names Parquet files; empty when the invoices are not Parquet (or the source not a folder)."""
    from scmlib.data.sources import resolve_source

    kind, location = resolve_source(source)
    if kind != "folder":
        return []
    folder = Path(location)
    pattern = ((read_options or {}).get("invoices") or {}).get("path")
    if pattern:
        return sorted(p for p in folder.glob(pattern) if p.suffix == ".parquet")
    if (folder / "invoices.parquet").is_file():
        return [folder / "invoices.parquet"]
    return sorted((folder / "invoices").glob("*.parquet"))


def parquet_rows(files: Sequence[Path]) -> int:
    """Lines in Parquet files, from their footers (nothing is read)."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def choose_engine(
    engine: str,
    source: str,
    read_options: Mapping | None = None,
    threshold: int = AUTO_THRESHOLD_LINES,
) -> tuple[str, list[Path], str]:
    """The engine a run uses, the invoice files and why.

    ``pandas`` or ``duckdb`` as asked (``duckdb`` needs Parquet invoices); ``auto`` chooses
    DuckDB when the invoices are Parquet files holding more than ``threshold`` lines.
    """
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {ENGINES}, got {engine!r}")
    files = invoice_files(source, read_options) if engine != "pandas" else []
    if engine == "pandas":
        return "pandas", [], "pandas engine chosen by the engine parameter"
    if not files:
        if engine == "duckdb":
            raise ParameterError(
                "engine 'duckdb' needs the invoices as Parquet files (invoices.parquet or an "
                "invoices/ folder of .parquet files); use engine=pandas for this source"
            )
        return "pandas", [], "pandas: the invoices are not Parquet files"
    n = parquet_rows(files)
    if engine == "duckdb":
        return "duckdb", files, f"DuckDB (out of core) chosen by the engine parameter; {n:,} lines"
    if n > threshold:
        return "duckdb", files, f"DuckDB (out of core): {n:,} Parquet invoice lines > {threshold:,}"
    return "pandas", [], f"pandas (in memory): {n:,} invoice lines <= {threshold:,}"


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _connect(threads: int | None, memory_limit: str | None):
    import duckdb

    con = duckdb.connect()
    spill = Path(tempfile.gettempdir()) / "scm_duckdb"
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


def _df(con, sql: str, params: Sequence | None = None) -> pd.DataFrame:
    out = con.execute(sql, list(params or [])).df()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].astype("datetime64[ns]")
    return out


def _source_view(con, files, column_map, exclude, start, end, category_column) -> list[str]:
    """View ``src``: the invoice lines in canonical columns, filtered; returns its columns."""
    paths = "[" + ", ".join(f"'{Path(f).as_posix()}'" for f in files) + "]"
    scan = f"read_parquet({paths}, union_by_name = true)"
    cols = list(_df(con, f"DESCRIBE SELECT * FROM {scan}")["column_name"])
    rename = dict(column_map or {})
    select = [f"{_q(c)} AS {_q(rename.get(c, c))}" for c in cols]
    names = [rename.get(c, c) for c in cols]
    if category_column != "category" and category_column in names:
        select = [s for s, n in zip(select, names) if n != "category"]
        select.append(f"{_q(category_column)} AS category")
        names = [n for n in names if n != "category"] + ["category"]
    missing = [c for c in ("supplier_id", "invoice_date", "amount") if c not in names]
    if missing:
        raise DataError(
            f"table 'invoices' (Parquet): missing columns {missing}; columns: {names[:15]}; "
            "map them with column_map"
        )
    where, params = ["TRUE"], []
    for i, (col, values) in enumerate((exclude or {}).items()):
        if col not in names:
            raise DataError(
                f"table 'invoices': exclude names column '{col}' that the data does not have; "
                f"columns: {names[:15]}"
            )
        con.register(f"excl_{i}", pd.DataFrame({"v": list(values)}))
        where.append(f"coalesce({_q(col)} NOT IN (SELECT v FROM excl_{i}), TRUE)")
    if start:
        where.append("invoice_date >= CAST(? AS TIMESTAMP)")
        params.append(str(pd.Timestamp(start)))
    if end:
        where.append("invoice_date <= CAST(? AS TIMESTAMP)")
        params.append(str(pd.Timestamp(end)))
    inner = f"SELECT {', '.join(select)} FROM {scan}"
    filt = " AND ".join(where)
    # parameters cannot be bound in a view: dates are inlined as checked timestamps
    for p in params:
        filt = filt.replace("?", f"'{p}'", 1)
    con.execute(f"CREATE VIEW src AS SELECT * FROM ({inner}) WHERE {filt}")
    return names


def check_lines(con) -> None:
    """The checks the loader applies to invoice lines, as one SQL pass over every line the
    DuckDB engine reads (the pre-flight check saw only a sample): a supplier, date or amount
    missing, an amount that is not a finite number, or one beyond the data model's plausible
    bound is a one-line :class:`DataError` with the count, an example and the fix, never a
    silently wrong total. Parquet columns are typed, so there is no decimal or date-order
    ambiguity to resolve; an amount stored as text is refused (the pandas engine reads text)."""
    import duckdb

    from scmlib.data.model import TABLES

    bound = TABLES["invoices"].column("amount").bound
    has_id = "invoice_id" in _df(con, "DESCRIBE src")["column_name"].tolist()
    example = "any_value(invoice_id)" if has_id else "any_value(NULL)"
    try:
        r = _df(
            con,
            f"""SELECT
                count(*) FILTER (WHERE supplier_id IS NULL) AS no_supplier,
                count(*) FILTER (WHERE invoice_date IS NULL) AS no_date,
                count(*) FILTER (WHERE amount IS NULL) AS no_amount,
                count(*) FILTER (WHERE NOT isfinite(CAST(amount AS DOUBLE))) AS not_finite,
                count(*) FILTER (WHERE abs(CAST(amount AS DOUBLE)) > {bound}) AS too_large,
                any_value(invoice_id) FILTER (WHERE NOT isfinite(CAST(amount AS DOUBLE))
                    OR abs(CAST(amount AS DOUBLE)) > {bound}) AS example
            FROM src""".replace("any_value(invoice_id)", example),
        ).iloc[0]
    except duckdb.Error as exc:
        raise DataError(
            f"table 'invoices' (Parquet): column 'amount' cannot be read as numbers "
            f"({str(exc).splitlines()[0][:120]}); export amounts as numbers or use engine=pandas"
        ) from None
    problems = [
        ("no_supplier", "supplier_id", "lines without a supplier", "fill supplier_id"),
        ("no_date", "invoice_date", "lines without a date", "fill invoice_date"),
        ("no_amount", "amount", "lines without an amount", "fill amount"),
        ("not_finite", "amount", "amounts that are not finite (inf or NaN)", "correct them"),
        (
            "too_large",
            "amount",
            f"implausibly large amounts (beyond {bound:g})",
            "correct them, or raise read_options invoices.bounds.amount",
        ),
    ]
    for key, column, what, fix in problems:
        if r[key]:
            example = (
                f" (e.g. invoice {r['example']})"
                if key in ("not_finite", "too_large") and r["example"] is not None
                else ""
            )
            raise DataError(
                f"table 'invoices', column '{column}': {int(r[key]):,} {what}{example}; {fix}"
            )


def _rules_case(rules: pd.DataFrame | None, names: list[str]) -> list[tuple[str, str]]:
    """(SQL condition, category literal) per rule, in the order
    :func:`scmlib.procurement.spend.classify` applies them (text fields in first-seen order,
    rules in file order; the first match wins)."""
    whens = []
    if rules is not None and len(rules):
        for field_name, grp in rules.groupby("field", sort=False):
            if field_name not in names:
                continue
            text = f"coalesce(CAST(s.{_q(field_name)} AS VARCHAR), '')"
            for kw, c in zip(grp["keyword"], grp["category"]):
                kw_sql = str(kw).replace("'", "''")
                c_sql = str(c).replace("'", "''")
                whens.append((f"regexp_matches({text}, '{kw_sql}', 'i')", f"'{c_sql}'"))
    return whens


def analyse_parquet(
    files: Sequence[str | Path],
    suppliers: pd.DataFrame | None,
    rates: pd.DataFrame | None,
    pos: pd.DataFrame | None,
    contracts: pd.DataFrame | None,
    settings: Settings,
    rules: pd.DataFrame | None = None,
    mapping: pd.DataFrame | None = None,
    exclude: Mapping[str, Sequence] | None = None,
    start: str | None = None,
    end: str | None = None,
    fuzzy_threshold: float = 92.0,
    category_column: str = "category",
    column_map: Mapping[str, str] | None = None,
    pareto_cutoff: float = 0.8,
    tail_mode: str = "share",
    tail_value: float = 0.2,
    savings_rates: Mapping[str, float] | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> S.SpendAnalysis:
    """The spend analysis of :func:`scmlib.procurement.spend.analyse_lines`, out of core.

    ``files`` are Parquet files of invoice lines (``column_map`` renames their columns to the
    canonical ones); the other arguments are those of :func:`~scmlib.procurement.spend.
    prepare_spend` and :func:`~scmlib.procurement.spend.analyse_lines`. ``threads`` and
    ``memory_limit`` (e.g. ``"3GB"``) bound DuckDB; it spills to the temporary folder beyond.
    """
    currency = settings["currency.reporting"]
    policy = settings["currency.rate_policy"]
    con = _connect(threads, memory_limit)
    names = _source_view(con, files, column_map, exclude, start, end, category_column)
    check_lines(con)
    if _df(con, "SELECT count(*) AS n FROM src")["n"].iloc[0] == 0:
        raise DataError(
            "table 'invoices': no invoice lines left in the chosen period and filters; widen "
            "period_start/period_end or exclude"
        )
    # currency: one factor per (currency, month), from the shared pandas conversion
    ccy = "currency" if "currency" in names else "NULL"
    fx = _df(
        con,
        f"SELECT DISTINCT {ccy} AS currency, date_trunc('month', invoice_date) AS invoice_date "
        "FROM src",
    )
    fx["amount"] = 1.0
    fx["factor"] = to_reporting_currency(fx, rates, currency, policy=policy).to_numpy()
    fx["month"] = fx["invoice_date"]
    con.register("fx", fx[["currency", "month", "factor"]])
    # raw supplier names (vendor master, else the invoice's name, else the id) -> company
    name_col = "supplier_name" if "supplier_name" in names else "NULL"
    keys = _df(
        con,
        f"""SELECT s.supplier_id, s.{name_col} AS supplier_name, sum(s.amount * fx.factor) AS spend,
                   count(*) AS lines
            FROM src s JOIN fx ON fx.currency IS NOT DISTINCT FROM s.{ccy}
                 AND fx.month = date_trunc('month', s.invoice_date)
            GROUP BY ALL""".replace("s.NULL", "NULL"),
    )
    if suppliers is not None and len(suppliers):
        master = suppliers.drop_duplicates("supplier_id").set_index("supplier_id")["name"]
        raw = keys["supplier_id"].map(master).fillna(keys["supplier_id"])
    elif keys["supplier_name"].notna().any():
        raw = keys["supplier_name"].fillna(keys["supplier_id"])
    else:
        raw = keys["supplier_id"]
    keys["raw_supplier"] = raw.astype(str)
    norm = S.normalise_suppliers(
        keys["raw_supplier"], keys["spend"], fuzzy_threshold, mapping, lines=keys["lines"]
    )
    keys["supplier"] = keys["raw_supplier"].map(norm.set_index("raw_name")["canonical_name"])
    con.register("smap", keys[["supplier_id", "supplier_name", "supplier"]])
    # maverick rules that can be evaluated (as spend.maverick_flags)
    unavailable: dict[str, str] = {}
    has_po = "po_id" in names and _df(con, "SELECT count(po_id) AS n FROM src")["n"].iloc[0] > 0
    flag_sql = {}
    if has_po:
        flag_sql["no_po"] = "l.po_id IS NULL"
        if pos is not None and len(pos):
            first = pos.groupby("po_id", as_index=False)["order_date"].min()
            con.register("po_first", first)
            flag_sql["po_after_invoice"] = "coalesce(l.po_first_date > l.invoice_date, FALSE)"
        else:
            unavailable["po_after_invoice"] = "no purchase_order_lines table: PO dates unknown"
    else:
        why = "the invoices have no po_id column (or it is empty)"
        unavailable["no_po"] = why
        unavailable["po_after_invoice"] = why
    on_ctr_join = ""
    if contracts is not None and len(contracts):
        from scmlib.procurement.contracts import current_terms

        last = _df(con, "SELECT max(invoice_date) AS d FROM src")["d"].iloc[0]
        c = current_terms(contracts, pd.Timestamp(last))  # renewed terms cover, as in pandas
        c = c[["supplier_id", "category", "start_date", "end_date"]]
        con.register("ctr", c)
        covered = (
            "EXISTS (SELECT 1 FROM ctr WHERE ctr.supplier_id = d.supplier_id "
            "AND ctr.category = d.category AND d.invoice_date BETWEEN ctr.start_date "
            "AND ctr.end_date)"
        )
        if pos is not None and "contract_id" in pos.columns and has_po:
            on_ctr = pos.dropna(subset=["contract_id"])[["po_id"]].drop_duplicates()
            con.register("po_ctr", on_ctr)
            on_ctr_join = "LEFT JOIN po_ctr pc ON pc.po_id = s.po_id"
            covered += " OR d.po_on_contract"
        flag_sql["off_contract"] = f"NOT ({covered})"
    else:
        unavailable["off_contract"] = (
            "no contracts table (or no category column): contract coverage unknown"
        )
    flags = list(flag_sql)
    src_cat = "s.category" if "category" in names else "NULL"
    rules_sql = _rules_case(rules, names)
    category_sql = (
        f"CASE WHEN {src_cat} IS NOT NULL THEN CAST({src_cat} AS VARCHAR)"
        + "".join(f" WHEN {w} THEN {c}" for w, c in rules_sql)
        + " ELSE 'Unclassified' END"
    )
    status_sql = (
        f"CASE WHEN {src_cat} IS NOT NULL THEN 'classified in source'"
        + "".join(f" WHEN {w} THEN 'classified by rules'" for w, _ in rules_sql)
        + " ELSE 'unclassified' END"
    )
    bu = "coalesce(s.business_unit, '(unassigned)')" if "business_unit" in names else "'(all)'"
    s_ccy = "s.currency" if "currency" in names else "NULL"
    s_name = "s.supplier_name" if "supplier_name" in names else "NULL"
    po_join = "LEFT JOIN po_first f ON f.po_id = s.po_id" if "po_after_invoice" in flag_sql else ""
    line_flags = {  # flags known per line, kept as grouping keys of the first aggregation
        "no_po": "s.po_id IS NULL",
        "po_after_invoice": "coalesce(f.order_date > s.invoice_date, FALSE)",
        "po_on_contract": "pc.po_id IS NOT NULL",
    }
    keep = [k for k in ("no_po", "po_after_invoice") if k in flag_sql]
    if on_ctr_join:
        keep.append("po_on_contract")
    stage1 = "".join(f", {line_flags[k]} AS {k}" for k in keep)
    # one scan of the Parquet files: a day-level cube by supplier id and the per-line flags.
    # Every join has a small build side (rates, supplier map, PO dates); DuckDB's estimate of
    # the rows left after the rate join is far too low, so it would otherwise build its hash
    # tables on the invoice lines and run out of memory: the written join order is kept.
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    con.execute(
        f"""
        CREATE TEMP TABLE lines_day AS
        SELECT s.supplier_id, m.supplier, {category_sql} AS category, {status_sql} AS status,
               {bu} AS business_unit, s.invoice_date{stage1},
               sum(s.amount * fx.factor) AS spend, count(*) AS lines
        FROM src s
        JOIN fx ON fx.currency IS NOT DISTINCT FROM {s_ccy}
             AND fx.month = date_trunc('month', s.invoice_date)
        JOIN smap m ON m.supplier_id = s.supplier_id
             AND m.supplier_name IS NOT DISTINCT FROM {s_name}
        {po_join}
        {on_ctr_join}
        GROUP BY ALL
        """
    )
    con.execute("RESET disabled_optimizers")
    # contract coverage depends on supplier, category and date only: evaluated on the cube
    later = "".join(f", {flag_sql[k]} AS {k}" for k in flag_sql if k == "off_contract")
    con.execute(
        f"""
        CREATE TEMP TABLE lines_agg AS
        SELECT d.supplier, d.category, d.business_unit, d.invoice_date, d.status
               {"".join(f", d.{k}" for k in keep if k != "po_on_contract")}{later},
               sum(d.spend) AS spend, sum(d.lines) AS lines
        FROM lines_day d
        GROUP BY ALL
        """
    )
    mav = " OR ".join(flags) if flags else "FALSE"
    con.execute(f"CREATE TEMP VIEW agg AS SELECT *, ({mav}) AS maverick FROM lines_agg")
    return _results(
        con,
        norm,
        keys,
        flags,
        unavailable,
        pos,
        rates,
        settings,
        pareto_cutoff,
        tail_mode,
        tail_value,
        savings_rates,
    )


def _results(
    con,
    norm,
    keys,
    flags,
    unavailable,
    pos,
    rates,
    settings,
    pareto_cutoff,
    tail_mode,
    tail_value,
    savings_rates,
) -> S.SpendAnalysis:
    """SQL over the day-level cube: the tables of :class:`~scmlib.procurement.spend.SpendAnalysis`."""
    cube = _df(
        con,
        """SELECT supplier, category, business_unit, date_trunc('month', invoice_date) AS period,
                  sum(spend) AS spend, sum(lines) AS lines
           FROM agg GROUP BY ALL ORDER BY spend DESC, supplier, category, business_unit, period""",
    )
    cube["lines"] = cube["lines"].astype("int64")
    daily = _df(
        con,
        "SELECT invoice_date, sum(spend) AS spend, sum(lines) AS lines FROM agg "
        "GROUP BY invoice_date ORDER BY invoice_date",
    )
    daily["lines"] = daily["lines"].astype("int64")
    coverage = _df(
        con, "SELECT status, sum(lines) AS lines, sum(spend) AS spend FROM agg GROUP BY status"
    )
    order = ["classified in source", "classified by rules", "unclassified"]
    coverage = coverage.set_index("status").reindex(order).fillna(0).reset_index()
    coverage["lines"] = coverage["lines"].astype(int)
    tot = coverage["spend"].sum()
    coverage["spend_share"] = coverage["spend"] / tot if tot else 0.0
    # Pareto and tail shares by supplier: window functions over the suppliers' totals
    if tail_mode == "share":
        if not 0 < tail_value < 1:
            raise ParameterError(f"tail share must be between 0 and 1, got {tail_value!r}")
        tail_rule = f"cum_share - share >= {1 - tail_value!r}"
    elif tail_mode == "threshold":
        if tail_value <= 0:
            raise ParameterError(f"tail threshold must be > 0, got {tail_value!r}")
        tail_rule = f"spend < {float(tail_value)!r}"
    else:
        raise ParameterError(f"tail mode must be 'share' or 'threshold', got {tail_mode!r}")
    ranked = _df(
        con,
        """WITH s AS (SELECT supplier, sum(spend) AS spend FROM agg GROUP BY supplier),
                r AS (SELECT supplier, spend, spend / sum(spend) OVER () AS share,
                             row_number() OVER (ORDER BY spend DESC, supplier) AS rank FROM s)
           SELECT supplier, spend, share,
                  sum(share) OVER (ORDER BY rank ROWS UNBOUNDED PRECEDING) AS cum_share, rank
           FROM r ORDER BY rank""",
    )
    con.register("ranked", ranked)
    par = _df(
        con,
        f"SELECT *, cum_share - share < {float(pareto_cutoff)!r} AS in_pareto FROM ranked "
        "ORDER BY rank",
    )
    tail = _df(
        con,
        f"SELECT *, cum_share - share < 0.8 AS in_pareto, {tail_rule} AS tail FROM ranked "
        "ORDER BY rank",
    )
    frag = _df(
        con,
        """WITH cs AS (SELECT category, supplier, sum(spend) AS s FROM agg GROUP BY ALL),
                p AS (SELECT * FROM cs WHERE s > 0),
                t AS (SELECT *, s / sum(s) OVER (PARTITION BY category) AS sh FROM p)
           SELECT category, sum(s) AS spend, count(*) AS suppliers,
                  sum(10000 * sh * sh) AS hhi, max(sh) AS top_share
           FROM t GROUP BY category ORDER BY spend DESC""",
    )
    frag["concentration"] = np.where(
        frag["hhi"] > 1800,
        "highly concentrated",
        np.where(frag["hhi"] >= 1000, "moderately concentrated", "fragmented"),
    )
    for t in (par, tail, frag):
        for c in ("rank", "suppliers"):
            if c in t.columns:
                t[c] = t[c].astype("int64")
    mav_by_unit = None
    if flags:
        cols = [*flags, "maverick"]
        sums = ", ".join(f"sum(CASE WHEN {c} THEN spend ELSE 0 END) AS {c}" for c in cols)
        mav_by_unit = _df(
            con,
            f"SELECT business_unit, {sums}, sum(spend) AS total FROM agg "
            "GROUP BY business_unit ORDER BY business_unit",
        )
        mav_by_unit["maverick_share"] = mav_by_unit["maverick"] / mav_by_unit["total"]
    # savings baseline: the company window, each line in the first lever that applies
    w_start, w_end = M.reporting_window(daily["invoice_date"], settings)
    con.register("tail_sup", tail.loc[tail["tail"], ["supplier"]])
    con.register(
        "frag_cat", pd.DataFrame({"category": sorted(S.fragmented_categories(frag))}, dtype=object)
    )
    totals = _df(
        con,
        """SELECT CASE WHEN category = 'Unclassified' THEN 'gap'
                       WHEN maverick THEN 'compliance'
                       WHEN supplier IN (SELECT supplier FROM tail_sup) THEN 'tail spend'
                       WHEN category IN (SELECT category FROM frag_cat) THEN 'consolidation'
                       ELSE '' END AS lever, category, sum(spend) AS amount
           FROM agg WHERE invoice_date >= ? AND invoice_date < ?
           GROUP BY ALL ORDER BY lever, category""",
        [w_start.to_pydatetime(), (w_end + pd.Timedelta(days=1)).to_pydatetime()],
    )
    supplier_of = (
        keys.sort_values("lines", ascending=False)
        .drop_duplicates("supplier_id")
        .set_index("supplier_id")["supplier"]
        .astype(str)
    )
    pv, harmonisation = S.price_variance_for(
        pos,
        supplier_of,
        rates,
        settings["currency.reporting"],
        settings["currency.rate_policy"],
        (w_start, w_end),
    )
    savings, base = S.levers_from_totals(
        totals,
        dict(savings_rates or S.DEFAULT_SAVINGS_RATES),
        S.window_months(w_start, w_end),
        harmonisation,
    )
    fig = M.spend_total(daily.rename(columns={"spend": "amount_rc"}), settings)
    in_w = daily["invoice_date"].between(w_start, w_end + pd.Timedelta(hours=23, minutes=59))
    fig = dataclasses.replace(fig, basis=f"{int(daily.loc[in_w, 'lines'].sum()):,} invoice lines")
    con.close()
    return S.SpendAnalysis(
        engine="duckdb",
        cube=cube,
        daily=daily,
        norm=norm,
        coverage=coverage,
        pareto=par,
        tail=tail,
        frag=frag,
        maverick_by_unit=mav_by_unit,
        unavailable=unavailable,
        savings=savings,
        savings_base=base,
        window=(w_start, w_end),
        spend_figure=fig,
        price_variance=pv,
        flags=[*flags, "maverick"] if flags else [],
    )


def load_other_tables(
    source: str, column_map: Mapping | None = None, read_options: Mapping | None = None
):
    """Load and validate the spend notebook's tables other than the invoices (suppliers,
    exchange rates, PO lines, contracts: all optional), for a run whose invoices DuckDB reads."""
    from scmlib.data import load_data

    def others(block):
        return {k: v for k, v in (block or {}).items() if k != "invoices"}

    return load_data(
        source,
        tables=[],
        optional=[t for t in OTHER_TABLES if t != "items"],
        column_map=others(column_map),
        read_options=others(read_options),
    )
