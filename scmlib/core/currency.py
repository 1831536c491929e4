"""Currency conversion to the company's reporting currency, under the company rate policy."""

from __future__ import annotations

import pandas as pd

from scmlib.errors import DataError, ParameterError


def to_reporting_currency(
    df: pd.DataFrame,
    rates: pd.DataFrame | None,
    reporting: str = "USD",
    amount: str = "amount",
    currency: str = "currency",
    date: str = "invoice_date",
    policy: str = "monthly",
    table: str = "invoices",
) -> pd.Series:
    """Amounts in the reporting currency: amount x rate_to_usd[ccy] / rate_to_usd[reporting].

    ``policy`` (company setting ``currency.rate_policy``): ``monthly`` applies the average rate
    of the transaction's month (IAS 21.22: an average rate for the period approximates the
    transaction-date rate); ``latest`` applies the latest month's rate to every transaction
    (constant currency, so that price and volume changes are not mixed with rate changes).
    Without a currency column every amount is taken to be in the reporting currency. A
    currency (or month) without a rate is a :class:`DataError` listing what is missing.

    Examples
    --------
    EUR 100 at 1.10 USD per EUR, reported in GBP at 1.25 USD per GBP: 100 x 1.10 / 1.25 = 88.

    >>> import pandas as pd
    >>> inv = pd.DataFrame({"amount": [100.0, 50.0], "currency": ["EUR", "GBP"],
    ...                     "invoice_date": pd.to_datetime(["2026-03-05", "2026-03-20"])})
    >>> rates = pd.DataFrame({"currency": ["EUR", "GBP"], "rate_to_usd": [1.10, 1.25],
    ...                       "date": pd.to_datetime(["2026-03-01", "2026-03-01"])})
    >>> to_reporting_currency(inv, rates, "GBP").round(6).tolist()
    [88.0, 50.0]
    """
    if policy not in ("monthly", "latest"):
        raise ParameterError(f"currency rate policy must be 'monthly' or 'latest', got {policy!r}")
    if currency not in df.columns or df[currency].isna().all():
        return df[amount].astype(float)
    ccy = df[currency].fillna(reporting).astype(str).str.upper()
    if (ccy == reporting).all():
        return df[amount].astype(float)
    if rates is None or rates.empty:
        others = sorted(set(ccy.unique()) - {reporting})
        raise DataError(
            f"table '{table}', column '{currency}': amounts in {others} but no exchange_rates table to convert them to {reporting}; add exchange_rates (currency, date, rate_to_usd)"
        )
    r = rates.assign(currency=rates["currency"].str.upper(), month=rates["date"].dt.to_period("M"))
    r = r.groupby(["currency", "month"], as_index=False)["rate_to_usd"].mean()
    month = df[date].dt.to_period("M")
    if policy == "latest":
        latest = r["month"].max()
        r = r.sort_values("month").groupby("currency", as_index=False).last().assign(month=latest)
        month = pd.Series(latest, index=df.index)
    lookup = pd.DataFrame({"currency": ccy.to_numpy(), "month": month.to_numpy()})
    m = lookup.merge(r, on=["currency", "month"], how="left")
    # USD is the rates' unit: 1 by definition, whether or not the table lists it
    m.loc[m["currency"] == "USD", "rate_to_usd"] = m["rate_to_usd"].fillna(1.0)
    # months outside the rates table use the nearest month of that currency
    if m["rate_to_usd"].isna().any():
        nearest = r.sort_values("month").groupby("currency")["rate_to_usd"].last()
        m["rate_to_usd"] = m["rate_to_usd"].fillna(m["currency"].map(nearest))
    rep = lookup.assign(currency=reporting).merge(r, on=["currency", "month"], how="left")[
        "rate_to_usd"
    ]
    if reporting == "USD":
        rep = rep.fillna(1.0)
    elif rep.isna().any():
        rep = rep.fillna(r[r["currency"] == reporting]["rate_to_usd"].mean())
    missing = sorted(m.loc[m["rate_to_usd"].isna(), "currency"].unique())
    if missing or rep.isna().any():
        raise DataError(
            f"table 'exchange_rates': no rate for currency {missing or [reporting]}; add rows (currency, date, rate_to_usd) for it"
        )
    return pd.Series(
        df[amount].to_numpy(dtype=float) * m["rate_to_usd"].to_numpy() / rep.to_numpy(),
        index=df.index,
    )


def po_in_reporting_currency(
    po: pd.DataFrame, rates: pd.DataFrame | None, reporting: str = "USD", policy: str = "monthly"
) -> pd.DataFrame:
    """PO lines priced in the reporting currency: ``unit_price`` converted by order date under
    the company rate policy (:func:`to_reporting_currency`), the supplier's own price and
    currency kept in ``unit_price_local`` and ``currency_local``, ``currency`` the reporting one.
    Every value a supplier report sums (spend, share of wallet, SLA settlements) is then in one
    currency. Lines without a currency column are taken to be in the reporting currency.
    Converting twice is a no-op.

    >>> po = pd.DataFrame({"unit_price": [10.0, 10.0], "currency": ["EUR", "USD"],
    ...                    "order_date": pd.to_datetime(["2026-03-05", "2026-03-20"])})
    >>> rates = pd.DataFrame({"currency": ["EUR"], "rate_to_usd": [1.10],
    ...                       "date": pd.to_datetime(["2026-03-01"])})
    >>> po_in_reporting_currency(po, rates)["unit_price"].round(2).tolist()
    [11.0, 10.0]
    """
    if "unit_price_local" in po.columns or "currency" not in po.columns:
        return po
    price = to_reporting_currency(
        po.assign(amount=po["unit_price"], invoice_date=po["order_date"]),
        rates,
        reporting,
        policy=policy,
        table="purchase_order_lines",
    )
    return po.assign(
        unit_price_local=po["unit_price"],
        currency_local=po["currency"],
        unit_price=price.to_numpy(),
        currency=reporting,
    )
