"""The KPI registry and headline figures: one name, label, unit, direction and definition per KPI.

Every headline figure a report shows is a :class:`Figure` made by one function of
:mod:`scmlib.core.measures`, carrying its value, window and definition; reports write them to
``outputs/headlines.csv`` so that the same KPI over the same window can be compared across
reports (the cross-report consistency test does exactly that).

SCOR level-1 names and codes follow SCOR 12.0 (APICS/ASCM, 2017).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class KPI:
    key: str
    label: str
    unit: str  # "%", "days", "ppm", "money", "ratio"
    higher_is_better: bool | None  # None: neither (a level such as stock value)
    target: float | None = None  # default company target
    scor: str = ""  # SCOR 12.0 code where SCOR defines the metric
    definition: str = ""
    process: str = ""  # SCOR process: plan, source, make, deliver, return (level-1 metrics: "")


KPIS: dict[str, KPI] = {
    k.key: k
    for k in [
        KPI(
            "forecast_accuracy",
            "Forecast accuracy",
            "%",
            True,
            0.5,
            "",
            "1 - WMAPE of the final forecast against actual demand",
            process="plan",
        ),
        KPI(
            "forecast_bias",
            "Forecast bias",
            "%",
            False,
            0.05,
            "",
            "sum(forecast - actual) / sum(actual); the target bounds its absolute value",
            process="plan",
        ),
        KPI(
            "supplier_otif",
            "Supplier OTIF",
            "%",
            True,
            0.95,
            "",
            "share of received purchase-order lines (or orders) on time and in full",
            process="source",
        ),
        KPI(
            "supplier_ppm",
            "Supplier PPM",
            "ppm",
            False,
            2500,
            "",
            "rejected / received units x 1,000,000",
            process="source",
        ),
        KPI(
            "fill_rate",
            "Fill rate",
            "%",
            True,
            0.95,
            "",
            "delivered / ordered units of delivered customer order lines",
            process="deliver",
        ),
        KPI(
            "customer_otif",
            "Customer OTIF",
            "%",
            True,
            0.90,
            "",
            "share of customer order lines (or orders) delivered on time and in full",
            process="deliver",
        ),
        KPI(
            "order_cycle_time",
            "Order cycle time",
            "days",
            False,
            9,
            "",
            "mean days from customer order to delivery, per order line",
            process="deliver",
        ),
        KPI(
            "return_rate",
            "Return rate",
            "%",
            False,
            0.01,
            "",
            "returned / delivered units",
            process="return",
        ),
        KPI(
            "perfect_order_fulfillment",
            "Perfect Order Fulfillment",
            "%",
            True,
            0.85,
            "RL.1.1",
            "orders delivered complete, on time to the requested date, damage free and with accurate documentation",
        ),
        KPI(
            "order_fulfillment_cycle_time",
            "Order Fulfillment Cycle Time",
            "days",
            False,
            9,
            "RS.1.1",
            "mean days from order to the last delivery of the order",
        ),
        KPI(
            "upside_adaptability",
            "Upside Supply Chain Adaptability",
            "days",
            False,
            None,
            "AG.1.1",
            "days to achieve an unplanned sustainable 20% increase in quantities delivered",
        ),
        KPI(
            "total_scm_cost",
            "Total Supply Chain Management Cost",
            "%",
            False,
            0.10,
            "CO.1.1",
            "supply chain management cost / revenue",
        ),
        KPI(
            "cash_to_cash",
            "Cash-to-Cash Cycle Time",
            "days",
            False,
            90,
            "AM.1.1",
            "days of inventory + days of sales outstanding - days payables outstanding (on material purchases)",
        ),
        KPI(
            "return_on_sc_fixed_assets",
            "Return on Supply Chain Fixed Assets",
            "%",
            True,
            0.5,
            "AM.1.2",
            "(revenue - COGS - SCM cost) / supply chain fixed assets",
        ),
        KPI(
            "return_on_working_capital",
            "Return on Working Capital",
            "%",
            True,
            0.5,
            "AM.1.3",
            "(revenue - COGS - SCM cost) / (inventory + receivables - payables)",
        ),
        KPI(
            "stock_value",
            "Stock on hand",
            "money",
            None,
            None,
            "",
            "units on hand x unit cost at the latest snapshot",
            process="plan",
        ),
        KPI(
            "days_of_supply",
            "Days of supply",
            "days",
            None,
            None,
            "",
            "stock on hand / average daily demand",
            process="plan",
        ),
        KPI(
            "spend_total",
            "Spend",
            "money",
            None,
            None,
            "",
            "invoiced amounts in the reporting currency",
            process="source",
        ),
        KPI(
            "spend_suppliers",
            "Suppliers with spend",
            "suppliers",
            None,
            None,
            "",
            "distinct suppliers (harmonised names) with invoiced spend",
            process="source",
        ),
    ]
}


@dataclass(frozen=True)
class Figure:
    """A headline figure: one KPI's value over a window, with its definition."""

    kpi: str
    value: float
    window_start: pd.Timestamp | None
    window_end: pd.Timestamp | None
    definition: str
    basis: str = ""  # what it was computed from, e.g. "12,345 PO lines"

    @property
    def label(self) -> str:
        return KPIS[self.kpi].label

    @property
    def unit(self) -> str:
        return KPIS[self.kpi].unit

    @property
    def window_text(self) -> str:
        if self.window_start is None or self.window_end is None:
            return f"as of {self.window_end:%d %b %Y}" if self.window_end is not None else ""
        if self.window_start == self.window_end:
            return f"as of {self.window_end:%d %b %Y}"
        return f"{self.window_start:%b %Y} to {self.window_end:%b %Y}"

    def as_row(self) -> dict:
        row = asdict(self)
        row["label"] = self.label
        row["unit"] = self.unit
        return row

    @property
    def available(self) -> bool:
        return self.value is not None and not (
            isinstance(self.value, float) and math.isnan(self.value)
        )


def rag(
    value: float | None,
    target: float | None,
    higher_is_better: bool | None,
    amber_band: float = 0.05,
) -> str:
    """Red/amber/green against a target: ``green`` when the target is met, ``amber`` when within
    ``amber_band`` (relative) of it, ``red`` otherwise; ``grey`` without a target, a value or a
    direction.

    Examples
    --------
    OTIF against a 95% target with a 5% amber band (amber down to 90.25%); PPM against 2,500:

    >>> rag(0.95, 0.95, True), rag(0.9498, 0.95, True), rag(0.90, 0.95, True)
    ('green', 'amber', 'red')
    >>> rag(2600, 2500, False), rag(float("nan"), 2500, False)
    ('amber', 'grey')
    """
    if target is None or value is None or higher_is_better is None:
        return "grey"
    if not (math.isfinite(value) and math.isfinite(target)):
        return "grey"
    if not higher_is_better:
        if value <= target:
            return "green"
        return "amber" if value <= target * (1 + amber_band) else "red"
    if value >= target:
        return "green"
    return "amber" if value >= target * (1 - amber_band) else "red"


STATUS_WORDS = {
    "green": "on target",
    "amber": "close to target",
    "red": "off target",
    "grey": "no target",
}
