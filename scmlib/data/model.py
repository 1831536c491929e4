"""The canonical supply-chain data model: every table, column, type, key, unit and meaning.

This module is the single definition; ``docs/data-model.md`` is generated from it and from the
tables each notebook declares (``python -m scmlib.runner.catalog > docs/data-model.md``; a test
keeps them in sync). The data layer knows no process: which process reads a table is declared by
the notebooks.
Later processes add tables or optional columns here without changing existing ones.

Magnitude bounds: every ``float`` / ``int`` column has a largest plausible absolute value
(:attr:`Column.bound`); a value beyond it, or a non-finite one (``inf``, ``1e309``), is refused
when the data is read, because it is an exponent typo, a placeholder such as ``9.99e99`` or a
misread, never a real quantity. The bound is the column's ``max_abs`` when set, else the default
of its unit (:data:`UNIT_BOUNDS`): money amounts (``currency``) 1e15, prices and costs per unit
(``currency/unit``) 1e12, quantities (``units``) 1e12, durations (``days``) 36,500 (100 years),
lags (``periods``) 10,000, exchange rates (``USD/currency``) 1e6, any other column 1e15. Money
bounds are wide because amounts are in the source's own currency (a large company's revenue in
yen or won runs to tens of trillions). A source whose real values go further raises the bound
for one column with ``read_options: {table: {bounds: {column: value}}}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# column types: id (string key), str, cat (string from a known set), date, float, int, bool

# largest plausible absolute value of a number column, by unit (see the module docstring)
UNIT_BOUNDS: dict[str, float] = {
    "currency": 1e15,
    "currency/unit": 1e12,
    "units": 1e12,
    "days": 36_500,
    "periods": 10_000,
    "USD/currency": 1e6,
}
DEFAULT_BOUND = 1e15  # number columns of any other unit


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    required: bool = True
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    unit: str = ""
    row_number: bool = (
        False  # when absent from the source: numbered 1, 2, ... within the rest of the key
    )
    max_abs: float | None = None  # largest plausible |value| (numbers); None: the unit's default

    @property
    def bound(self) -> float | None:
        """Largest plausible absolute value of a number column (``max_abs``, else the default of
        its unit in :data:`UNIT_BOUNDS`, else :data:`DEFAULT_BOUND`); ``None`` for other types."""
        if self.type not in ("float", "int"):
            return None
        if self.max_abs is not None:
            return float(self.max_abs)
        return float(UNIT_BOUNDS.get(self.unit, DEFAULT_BOUND))


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: dict[str, str] = field(
        default_factory=dict
    )  # column -> "table.column": unknown values are errors
    soft_references: dict[str, str] = field(
        default_factory=dict
    )  # the same, but unknown values are warnings

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


C = Column
LIFECYCLE = ("launch", "growth", "mature", "decline", "end_of_life")
LOCATION_TYPES = ("plant", "dc", "store")
TIERS = ("platinum", "gold", "standard")
RISK_CATEGORIES = ("financial", "operational", "geopolitical", "compliance", "environmental")
RISK_STATUS = ("open", "mitigating", "accepted", "closed")
ACTION_STATUS = ("open", "in_progress", "closed")
COST_DRIVERS = (
    "orders",
    "lines",
    "units",
    "weight",
    "shipments",
    "expedited_shipments",
    "returns",
    "stock_value",
    "purchase_orders",
)
SUSTAINABILITY_THEMES = ("environment", "labour_human_rights", "ethics", "sustainable_procurement")
NETWORK_NODE_TYPES = ("supplier", "plant", "dc")
NETWORK_ROLES = ("primary", "alternate")
EVENT_SEVERITIES = ("low", "medium", "high", "critical")
PROGRAMME_TYPES = ("process_improvement", "technology_adoption", "performance_enhancement")
PROGRAMME_KPIS = ("otif", "on_time", "ppm", "lead_time_days")
PROGRAMME_STATUS = ("planned", "active", "completed", "cancelled")
ONBOARDING_STATUS = ("not_started", "in_progress", "completed", "blocked")
IDEA_STATUS = ("submitted", "evaluating", "accepted", "implemented", "rejected")
AMENDMENT_CHANGES = ("price", "term", "scope", "volume", "other")
RFX_UNITS = ("each", "pair", "pack_10", "dozen", "box_50", "hundred", "thousand")
INCOTERMS = ("EXW", "FCA", "FAS", "FOB", "CFR", "CPT", "CIF", "CIP", "DAP", "DPU", "DDP")

# the stage gates of a sourcing project (A.T. Kearney's seven steps) with their standard
# durations in weeks: the vocabulary of sourcing_projects.gate, shared by the demo and the process
SOURCING_GATES: tuple[tuple[str, int], ...] = (
    ("Category profile", 4),
    ("Market assessment", 4),
    ("Sourcing strategy", 2),
    ("RFx", 6),
    ("Evaluation", 3),
    ("Negotiation and award", 4),
    ("Implementation", 8),
)


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "items",
            "Item (SKU) master.",
            (
                C("item_id", "id", "Item identifier."),
                C("description", "str", "Item description.", required=False, nullable=True),
                C("category", "str", "Product category."),
                C("unit_cost", "float", "Standard cost per unit.", min=0, unit="currency/unit"),
                C(
                    "unit_price",
                    "float",
                    "List selling price per unit.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency/unit",
                ),
                C(
                    "lifecycle_stage",
                    "cat",
                    "Lifecycle stage.",
                    required=False,
                    nullable=True,
                    allowed=LIFECYCLE,
                ),
                C("supplier_id", "id", "Primary supplier.", required=False, nullable=True),
                C(
                    "lead_time_days",
                    "float",
                    "Planned replenishment lead time (item master).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="days",
                ),
                C(
                    "lead_time_std_days",
                    "float",
                    "Standard deviation of the lead time (item master).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="days",
                ),
                C(
                    "launch_date",
                    "date",
                    "First sale date of a new item.",
                    required=False,
                    nullable=True,
                ),
                C(
                    "eol_date",
                    "date",
                    "End-of-life date (no demand expected after it).",
                    required=False,
                    nullable=True,
                ),
                C(
                    "lot_size",
                    "float",
                    "Fixed order lot (0 or empty: use EOQ).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="units",
                ),
            ),
            key=("item_id",),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "locations",
            "Plants, distribution centres and stores.",
            (
                C("location_id", "id", "Location identifier."),
                C("name", "str", "Location name."),
                C("type", "cat", "Location type.", allowed=LOCATION_TYPES),
                C("country", "str", "Country (ISO3 code or name)."),
                C(
                    "latitude",
                    "float",
                    "Latitude.",
                    required=False,
                    nullable=True,
                    min=-90,
                    max=90,
                    unit="degrees",
                ),
                C(
                    "longitude",
                    "float",
                    "Longitude.",
                    required=False,
                    nullable=True,
                    min=-180,
                    max=180,
                    unit="degrees",
                ),
            ),
            key=("location_id",),
        ),
        Table(
            "customers",
            "Customer master with service tiers.",
            (
                C("customer_id", "id", "Customer identifier."),
                C("name", "str", "Customer name."),
                C("service_tier", "cat", "Service tier.", allowed=TIERS),
                C(
                    "channel",
                    "str",
                    "Sales channel (retail, wholesale, online, ...).",
                    required=False,
                    nullable=True,
                ),
                C("region", "str", "Sales region.", required=False, nullable=True),
                C("country", "str", "Country.", required=False, nullable=True),
                C(
                    "latitude",
                    "float",
                    "Latitude of the delivery point (network design).",
                    required=False,
                    nullable=True,
                    min=-90,
                    max=90,
                    unit="degrees",
                ),
                C(
                    "longitude",
                    "float",
                    "Longitude of the delivery point (network design).",
                    required=False,
                    nullable=True,
                    min=-180,
                    max=180,
                    unit="degrees",
                ),
            ),
            key=("customer_id",),
        ),
        Table(
            "suppliers",
            "Supplier (vendor) master; duplicates of one company may exist under several ids.",
            (
                C("supplier_id", "id", "Supplier identifier."),
                C("name", "str", "Supplier name as in the vendor master."),
                C("country", "str", "Country (ISO3 code or name)."),
                C("category", "str", "Main category supplied."),
                C("parent", "str", "Corporate parent (family).", required=False, nullable=True),
                C(
                    "tax_id",
                    "str",
                    "Tax or VAT registration number (two ids sharing it: probably one vendor).",
                    required=False,
                    nullable=True,
                ),
                C(
                    "bank_account",
                    "str",
                    "Bank account paid (IBAN or account number; shared: probably one vendor).",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("supplier_id",),
        ),
        Table(
            "demand_history",
            "Demand (shipments or orders) per item, location and period; one row per period start.",
            (
                C("item_id", "id", "Item."),
                C("location_id", "id", "Location.", required=False, nullable=True),
                C("date", "date", "Period start date."),
                C(
                    "quantity",
                    "float",
                    "Demand in the period (negative = net returns).",
                    unit="units",
                ),
            ),
            key=("item_id", "location_id", "date"),
            references={"item_id": "items.item_id", "location_id": "locations.location_id"},
        ),
        Table(
            "forecast_snapshots",
            "Forecasts as made each cycle: statistical, and final after planner override.",
            (
                C("item_id", "id", "Item."),
                C("location_id", "id", "Location.", required=False, nullable=True),
                C("forecast_date", "date", "When the forecast was made (cycle date)."),
                C("target_date", "date", "Period forecast (period start)."),
                C(
                    "lag",
                    "int",
                    "Periods between forecast_date and target_date.",
                    min=0,
                    unit="periods",
                ),
                C(
                    "statistical_forecast",
                    "float",
                    "System (statistical) forecast.",
                    min=0,
                    unit="units",
                ),
                C(
                    "final_forecast",
                    "float",
                    "Final forecast after planner override.",
                    min=0,
                    unit="units",
                ),
                C(
                    "override_reason",
                    "str",
                    "Reason given for an override (empty when none).",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("item_id", "location_id", "forecast_date", "target_date"),
            references={"item_id": "items.item_id", "location_id": "locations.location_id"},
        ),
        Table(
            "inventory_snapshots",
            "On-hand and on-order stock per item and location at each snapshot date.",
            (
                C("snapshot_date", "date", "Snapshot date."),
                C("item_id", "id", "Item."),
                C("location_id", "id", "Location."),
                C("on_hand_qty", "float", "Units on hand.", min=0, unit="units"),
                C(
                    "on_order_qty",
                    "float",
                    "Units on open purchase orders.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="units",
                ),
                C("unit_cost", "float", "Unit cost at the snapshot.", min=0, unit="currency/unit"),
            ),
            key=("snapshot_date", "item_id", "location_id"),
            references={"item_id": "items.item_id", "location_id": "locations.location_id"},
        ),
        Table(
            "sales_order_lines",
            "Customer order lines with dates and quantities (deliver process).",
            (
                C("order_id", "id", "Order."),
                C("line_id", "id", "Line within the order."),
                C("customer_id", "id", "Customer."),
                C("item_id", "id", "Item."),
                C("location_id", "id", "Shipping location.", required=False, nullable=True),
                C("order_date", "date", "Order date."),
                C("requested_date", "date", "Delivery date the customer asked for."),
                C(
                    "promised_date",
                    "date",
                    "Delivery date promised.",
                    required=False,
                    nullable=True,
                ),
                C("ship_date", "date", "Ship date.", required=False, nullable=True),
                C(
                    "delivery_date",
                    "date",
                    "Delivery date (empty: not delivered yet).",
                    required=False,
                    nullable=True,
                ),
                C("ordered_qty", "float", "Units ordered.", min=0, unit="units"),
                C(
                    "delivered_qty",
                    "float",
                    "Units delivered.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="units",
                ),
                C(
                    "unit_price",
                    "float",
                    "Net selling price per unit.",
                    min=0,
                    unit="currency/unit",
                ),
                C(
                    "damage_free",
                    "bool",
                    "Delivered without damage.",
                    required=False,
                    nullable=True,
                ),
                C(
                    "documentation_accurate",
                    "bool",
                    "Invoice and shipping documents correct.",
                    required=False,
                    nullable=True,
                ),
                C(
                    "returned_qty",
                    "float",
                    "Units returned by the customer.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="units",
                ),
            ),
            key=("order_id", "line_id"),
            references={
                "customer_id": "customers.customer_id",
                "item_id": "items.item_id",
                "location_id": "locations.location_id",
            },
        ),
        Table(
            "purchase_order_lines",
            "Purchase order lines with promised and actual receipt (source process).",
            (
                C("po_id", "id", "Purchase order."),
                C("line_id", "id", "Line within the PO."),
                C("supplier_id", "id", "Supplier."),
                C(
                    "item_id",
                    "id",
                    "Item (empty for indirect spend).",
                    required=False,
                    nullable=True,
                ),
                C("category", "str", "Spend category."),
                C("business_unit", "str", "Ordering business unit.", required=False, nullable=True),
                C("order_date", "date", "PO date."),
                C("promised_date", "date", "Supplier-promised receipt date."),
                C(
                    "requested_date",
                    "date",
                    "Receipt date the buyer asked for.",
                    required=False,
                    nullable=True,
                ),
                C(
                    "receipt_date",
                    "date",
                    "Actual receipt date (empty: open).",
                    required=False,
                    nullable=True,
                ),
                C("ordered_qty", "float", "Units ordered.", min=0, unit="units"),
                C(
                    "received_qty",
                    "float",
                    "Units received.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="units",
                ),
                C(
                    "unit_price",
                    "float",
                    "Price per unit in the PO currency.",
                    min=0,
                    unit="currency/unit",
                ),
                C("currency", "str", "ISO currency code.", required=False, nullable=True),
                C(
                    "contract_id",
                    "id",
                    "Contract the PO was placed under.",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("po_id", "line_id"),
            references={
                "supplier_id": "suppliers.supplier_id",
                "item_id": "items.item_id",
                "contract_id": "contracts.contract_id",
            },
        ),
        Table(
            "invoices",
            "Accounts-payable invoices (spend).",
            (
                C("invoice_id", "id", "Invoice."),
                C(
                    "line_id",
                    "id",
                    "Line within the invoice (numbered in source order when absent).",
                    required=False,
                    row_number=True,
                ),
                C(
                    "supplier_id",
                    "id",
                    "Supplier (id, or the raw name when there is no vendor master).",
                ),
                C("invoice_date", "date", "Invoice (or payment) date."),
                C(
                    "amount",
                    "float",
                    "Invoice amount in its currency (credit notes negative).",
                    unit="currency",
                ),
                C("currency", "str", "ISO currency code.", required=False, nullable=True),
                C(
                    "category",
                    "str",
                    "Spend category (empty: unclassified).",
                    required=False,
                    nullable=True,
                ),
                C("business_unit", "str", "Business unit charged.", required=False, nullable=True),
                C(
                    "po_id",
                    "id",
                    "Purchase order matched (empty: no PO).",
                    required=False,
                    nullable=True,
                ),
                C("description", "str", "Invoice line description.", required=False, nullable=True),
                C(
                    "supplier_name",
                    "str",
                    "Supplier name as written on the invoice.",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("invoice_id", "line_id"),
            references={"supplier_id": "suppliers.supplier_id"},
            soft_references={"po_id": "purchase_order_lines.po_id"},
        ),
        Table(
            "contracts",
            "Supplier contracts and agreed prices.",
            (
                C("contract_id", "id", "Contract."),
                C("supplier_id", "id", "Supplier."),
                C("category", "str", "Category covered."),
                C("start_date", "date", "Start."),
                C("end_date", "date", "End."),
                C("annual_value", "float", "Expected annual value.", min=0, unit="currency"),
                C("item_id", "id", "Item with an agreed price.", required=False, nullable=True),
                C(
                    "agreed_unit_price",
                    "float",
                    "Agreed unit price for item_id.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency/unit",
                ),
                C(
                    "notice_period_days",
                    "int",
                    "Days before the end date by which notice must be given (to end or "
                    "renegotiate).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="days",
                ),
                C(
                    "auto_renewal",
                    "bool",
                    "Renews automatically unless notice is given (evergreen clause).",
                    required=False,
                    nullable=True,
                ),
                C(
                    "renewal_term_days",
                    "int",
                    "Length of an automatic renewal.",
                    required=False,
                    nullable=True,
                    min=1,
                    unit="days",
                ),
                C(
                    "currency",
                    "str",
                    "Currency of the contract's prices.",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("contract_id",),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "quality_receipts",
            "Goods-receipt inspections.",
            (
                C("receipt_id", "id", "Receipt."),
                C("supplier_id", "id", "Supplier."),
                C("item_id", "id", "Item.", required=False, nullable=True),
                C("receipt_date", "date", "Receipt date."),
                C("received_qty", "float", "Units inspected.", min=0, unit="units"),
                C("rejected_qty", "float", "Units rejected.", min=0, unit="units"),
            ),
            key=("receipt_id",),
            references={"supplier_id": "suppliers.supplier_id"},
            soft_references={"item_id": "items.item_id"},
        ),
        Table(
            "supplier_assessments",
            "Periodic supplier assessments by criterion.",
            (
                C("supplier_id", "id", "Supplier."),
                C("assessment_date", "date", "Assessment date."),
                C("criterion", "str", "Criterion (responsiveness, sustainability, ...)."),
                C("score", "float", "Score on a 1-5 scale.", min=1, max=5, unit="1-5"),
            ),
            key=("supplier_id", "assessment_date", "criterion"),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "supplier_actions",
            "Corrective actions agreed with suppliers.",
            (
                C("action_id", "id", "Action."),
                C("supplier_id", "id", "Supplier."),
                C("issue", "str", "What the action addresses."),
                C("owner", "str", "Owner.", required=False, nullable=True),
                C("opened", "date", "Opened."),
                C("due", "date", "Due date."),
                C("closed", "date", "Closed (empty: still open).", required=False, nullable=True),
                C("status", "cat", "Status.", allowed=ACTION_STATUS),
            ),
            key=("action_id",),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "risk_register",
            "Supply chain risk register.",
            (
                C("risk_id", "id", "Risk."),
                C("title", "str", "Short description."),
                C("category", "cat", "Risk dimension.", allowed=RISK_CATEGORIES),
                C(
                    "likelihood",
                    "int",
                    "Likelihood on the register scale (1 to the scale's top, at most 10).",
                    min=1,
                    max=10,
                    unit="scale",
                ),
                C(
                    "impact",
                    "int",
                    "Impact on the register scale (1 to the scale's top, at most 10).",
                    min=1,
                    max=10,
                    unit="scale",
                ),
                C("owner", "str", "Owner (empty: unassigned).", required=False, nullable=True),
                C("status", "cat", "Status.", allowed=RISK_STATUS),
                C("mitigation", "str", "Mitigation plan.", required=False, nullable=True),
                C(
                    "mitigation_effectiveness",
                    "float",
                    "Share of the risk removed by mitigation (0-1).",
                    required=False,
                    nullable=True,
                    min=0,
                    max=1,
                ),
                C("supplier_id", "id", "Related supplier.", required=False, nullable=True),
                C("location_id", "id", "Related site.", required=False, nullable=True),
                C(
                    "related_category",
                    "str",
                    "Related spend or product category.",
                    required=False,
                    nullable=True,
                ),
                C("review_date", "date", "Next review due.", required=False, nullable=True),
                C(
                    "previous_likelihood",
                    "int",
                    "Likelihood at the previous assessment.",
                    required=False,
                    nullable=True,
                    min=1,
                    max=10,
                ),
                C(
                    "previous_impact",
                    "int",
                    "Impact at the previous assessment.",
                    required=False,
                    nullable=True,
                    min=1,
                    max=10,
                ),
                C(
                    "probability",
                    "float",
                    "Probability that the risk occurs within a year (0-1), for money scoring.",
                    required=False,
                    nullable=True,
                    min=0,
                    max=1,
                ),
                C(
                    "consequence",
                    "float",
                    "Loss if the risk occurs, in the reporting currency, for money scoring.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency",
                ),
            ),
            key=("risk_id",),
            references={
                "supplier_id": "suppliers.supplier_id",
                "location_id": "locations.location_id",
            },
        ),
        Table(
            "supplier_financials",
            "Supplier balance-sheet and income figures per fiscal year (for distress scores).",
            (
                C("supplier_id", "id", "Supplier."),
                C("fiscal_year", "int", "Fiscal year.", min=1900, max=2100),
                C("total_assets", "float", "Total assets.", min=0, unit="currency"),
                C("current_assets", "float", "Current assets.", min=0, unit="currency"),
                C("current_liabilities", "float", "Current liabilities.", min=0, unit="currency"),
                C("total_liabilities", "float", "Total liabilities.", min=0, unit="currency"),
                C("retained_earnings", "float", "Retained earnings.", unit="currency"),
                C("ebit", "float", "Earnings before interest and taxes.", unit="currency"),
                C("sales", "float", "Revenue.", min=0, unit="currency"),
                C("book_equity", "float", "Book value of equity.", unit="currency"),
                C(
                    "is_manufacturer",
                    "bool",
                    "Manufacturing firm (selects the Z-score variant).",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("supplier_id", "fiscal_year"),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "exchange_rates",
            "Monthly exchange rates into the reporting currency.",
            (
                C("currency", "str", "ISO currency code."),
                C("date", "date", "Month start."),
                C(
                    "rate_to_usd",
                    "float",
                    "Units of USD per unit of currency.",
                    min=0,
                    unit="USD/currency",
                ),
            ),
            key=("currency", "date"),
        ),
        Table(
            "financials",
            "Company-level financial inputs for SCOR level-1 metrics (one row per period).",
            (
                C("period", "date", "Period start (month or year)."),
                C("revenue", "float", "Revenue.", min=0, unit="currency"),
                C("cost_of_goods_sold", "float", "Cost of goods sold.", min=0, unit="currency"),
                C(
                    "supply_chain_management_cost",
                    "float",
                    "Total supply chain management cost.",
                    min=0,
                    unit="currency",
                ),
                C(
                    "accounts_receivable",
                    "float",
                    "Accounts receivable at period end.",
                    min=0,
                    unit="currency",
                ),
                C(
                    "accounts_payable",
                    "float",
                    "Accounts payable at period end.",
                    min=0,
                    unit="currency",
                ),
                C("inventory_value", "float", "Inventory at period end.", min=0, unit="currency"),
                C(
                    "supply_chain_fixed_assets",
                    "float",
                    "Supply chain fixed assets (net).",
                    min=0,
                    unit="currency",
                ),
            ),
            key=("period",),
        ),
        Table(
            "activity_costs",
            "Cost of each activity pool per period (activity-based costing) and the driver that "
            "assigns it to order lines.",
            (
                C(
                    "pool",
                    "str",
                    "Activity pool (order handling, picking, packing, freight, expedited delivery, "
                    "returns, customer service, inventory carrying, procurement, ...).",
                ),
                C("period", "date", "Period start (month or year)."),
                C("cost", "float", "Cost of the pool in the period.", min=0, unit="currency"),
                C(
                    "driver",
                    "cat",
                    "Cost driver: what the pool's work is counted in.",
                    allowed=COST_DRIVERS,
                ),
                C(
                    "capacity",
                    "float",
                    "Practical capacity in driver units for the period (time-driven ABC: the "
                    "rate is cost / capacity and unused capacity is not charged to customers).",
                    required=False,
                    nullable=True,
                    min=0,
                ),
            ),
            key=("pool", "period"),
        ),
        Table(
            "shipments",
            "Outbound shipments: one row per shipment and sales order it carries.",
            (
                C("shipment_id", "id", "Shipment."),
                C("order_id", "id", "Sales order carried by the shipment."),
                C("ship_date", "date", "Ship date.", required=False, nullable=True),
                C(
                    "weight_kg",
                    "float",
                    "Weight of this order's goods on the shipment.",
                    min=0,
                    unit="kg",
                ),
                C(
                    "shipment_cost",
                    "float",
                    "Freight cost of the whole shipment (the same on each of its rows; counted "
                    "once per shipment).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency",
                ),
                C(
                    "expedited",
                    "bool",
                    "Expedited (premium) shipment.",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("shipment_id", "order_id"),
            soft_references={"order_id": "sales_order_lines.order_id"},
        ),
        Table(
            "sustainability_assessments",
            "Supplier sustainability ratings by theme (0-100, as in EcoVadis-style rating schemes).",
            (
                C("supplier_id", "id", "Supplier."),
                C("assessment_date", "date", "Date of the rating."),
                C("theme", "cat", "Sustainability theme.", allowed=SUSTAINABILITY_THEMES),
                C("score", "float", "Theme score on a 0-100 scale.", min=0, max=100, unit="0-100"),
            ),
            key=("supplier_id", "assessment_date", "theme"),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "supplier_certifications",
            "Supplier certifications (ISO 14001, ISO 45001, SA8000, ...) and their expiry.",
            (
                C("supplier_id", "id", "Supplier."),
                C("certification", "str", "Certificate (standard) held."),
                C("start_date", "date", "Issue date.", required=False, nullable=True),
                C("end_date", "date", "Expiry date (valid until)."),
            ),
            key=("supplier_id", "certification"),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "supplier_programmes",
            "Supplier development programmes: joint process improvement, technology adoption "
            "and performance enhancement, each aimed at one scorecard KPI.",
            (
                C("programme_id", "id", "Programme."),
                C("supplier_id", "id", "Supplier developed."),
                C("initiative", "str", "What the programme does."),
                C("type", "cat", "Kind of programme.", allowed=PROGRAMME_TYPES),
                C(
                    "start_date",
                    "date",
                    "Start of the programme (the effect is measured after it).",
                ),
                C("end_date", "date", "Planned or actual end.", required=False, nullable=True),
                C(
                    "target_kpi",
                    "cat",
                    "Scorecard KPI the programme should move.",
                    allowed=PROGRAMME_KPIS,
                ),
                C(
                    "baseline",
                    "float",
                    "KPI value when the programme started (OTIF and on time "
                    "as shares 0-1, PPM in ppm, lead time in days).",
                    required=False,
                    nullable=True,
                ),
                C("target", "float", "KPI value the programme aims for (same unit as baseline)."),
                C(
                    "cost",
                    "float",
                    "Programme cost to us (people, tooling, grants).",
                    min=0,
                    unit="currency",
                ),
                C("owner", "str", "Owner on our side.", required=False, nullable=True),
                C("status", "cat", "Programme status.", allowed=PROGRAMME_STATUS),
            ),
            key=("programme_id",),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "onboarding_steps",
            "Supplier onboarding: one row per supplier and step (documentation, capability "
            "assessment, compliance verification, system setup, ...), with watch-list results.",
            (
                C(
                    "supplier_id",
                    "id",
                    "Supplier being onboarded (a prospect may not yet be in the vendor master).",
                ),
                C("supplier_name", "str", "Supplier name.", required=False, nullable=True),
                C("step", "str", "Onboarding step."),
                C(
                    "step_order",
                    "int",
                    "Position of the step in the onboarding sequence (1 = first).",
                    min=1,
                    max_abs=1000,
                ),
                C("status", "cat", "Step status.", allowed=ONBOARDING_STATUS),
                C("started", "date", "Step started.", required=False, nullable=True),
                C("completed", "date", "Step completed.", required=False, nullable=True),
                C("owner", "str", "Owner on our side.", required=False, nullable=True),
                C(
                    "watch_list_flag",
                    "bool",
                    "Screening found the supplier on a sanctions or watch list (compliance steps).",
                    required=False,
                    nullable=True,
                ),
                C("flag_detail", "str", "List and entry matched.", required=False, nullable=True),
            ),
            key=("supplier_id", "step"),
        ),
        Table(
            "supplier_documents",
            "Documents and certificates collected from suppliers (onboarding and renewals).",
            (
                C("supplier_id", "id", "Supplier."),
                C(
                    "document",
                    "str",
                    "Document or certificate (ISO 9001 certificate, insurance, "
                    "code of conduct, bank details form, ...).",
                ),
                C("step", "str", "Onboarding step that needs it.", required=False, nullable=True),
                C("received", "date", "Received (empty: missing).", required=False, nullable=True),
                C(
                    "end_date",
                    "date",
                    "Expiry: valid until this date (empty: does not expire).",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("supplier_id", "document"),
        ),
        Table(
            "supplier_ideas",
            "Innovation and improvement ideas raised with suppliers (the QBR ideas log).",
            (
                C("idea_id", "id", "Idea."),
                C("supplier_id", "id", "Supplier."),
                C("submitted", "date", "Raised."),
                C("title", "str", "The idea."),
                C(
                    "raised_by",
                    "str",
                    "Raised by us or the supplier.",
                    required=False,
                    nullable=True,
                ),
                C(
                    "estimated_value",
                    "float",
                    "Estimated annual value.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency",
                ),
                C("status", "cat", "Idea status.", allowed=IDEA_STATUS),
            ),
            key=("idea_id",),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "supply_network",
            "Supply network links: which node (supplier or site) supplies which item to which site, "
            "with the link's capacity and the node's time to recover (TTR) after a disruption.",
            (
                C("node_id", "id", "Node: a supplier id or a location (site) id."),
                C("node_type", "cat", "Node type.", allowed=NETWORK_NODE_TYPES),
                C("item_id", "id", "Item carried by the link."),
                C(
                    "downstream_id",
                    "id",
                    "Node supplied: the site (location id) receiving the item, or 'customers' "
                    "for a site's outbound link.",
                ),
                C(
                    "capacity",
                    "float",
                    "Most the link can carry per day (units/day).",
                    min=0,
                    unit="units",
                ),
                C(
                    "ttr_days",
                    "float",
                    "Time to recover: days the node needs to return to full capacity after a "
                    "disruption (the same on each of its rows; as the node reports it).",
                    min=0,
                    unit="days",
                ),
                C(
                    "role",
                    "cat",
                    "primary (the current source) or alternate (qualified, used on demand).",
                    required=False,
                    nullable=True,
                    allowed=NETWORK_ROLES,
                ),
                C(
                    "activation_days",
                    "float",
                    "Days to switch an alternate link on (empty or 0: at once).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="days",
                ),
            ),
            key=("node_id", "item_id", "downstream_id"),
            references={"item_id": "items.item_id"},
        ),
        Table(
            "supplier_events",
            "Events at suppliers (disruptions, incidents, news) with their severity and, once "
            "over, the date they were resolved.",
            (
                C("event_id", "id", "Event."),
                C("supplier_id", "id", "Supplier."),
                C("event_date", "date", "Date the event started (or was reported)."),
                C("event_type", "str", "Kind of event (fire, flood, strike, insolvency, ...)."),
                C("severity", "cat", "Severity.", allowed=EVENT_SEVERITIES),
                C(
                    "resolved_date",
                    "date",
                    "Date the supplier was back to normal (empty: still open).",
                    required=False,
                    nullable=True,
                ),
                C("description", "str", "What happened.", required=False, nullable=True),
            ),
            key=("event_id",),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "contract_prices",
            "Agreed prices per contract and item (a price list; several items per contract).",
            (
                C("contract_id", "id", "Contract."),
                C("item_id", "id", "Item."),
                C("agreed_unit_price", "float", "Agreed unit price.", min=0, unit="currency/unit"),
                C(
                    "currency",
                    "str",
                    "Currency of the price (empty: the contract's, else the reporting currency).",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("contract_id", "item_id"),
            references={"contract_id": "contracts.contract_id"},
            soft_references={"item_id": "items.item_id"},
        ),
        Table(
            "contract_amendments",
            "Changes to contracts after signature (price, term, scope, volume).",
            (
                C("amendment_id", "id", "Amendment."),
                C("contract_id", "id", "Contract amended."),
                C("amendment_date", "date", "Date the amendment was signed."),
                C("change", "cat", "What changed.", allowed=AMENDMENT_CHANGES),
                C("description", "str", "The change in words.", required=False, nullable=True),
                C(
                    "value_change",
                    "float",
                    "Change of the contract's annual value (negative: lower).",
                    required=False,
                    nullable=True,
                    unit="currency",
                ),
            ),
            key=("amendment_id",),
            references={"contract_id": "contracts.contract_id"},
        ),
        Table(
            "sourcing_projects",
            "Strategic sourcing projects: one row per project and stage gate.",
            (
                C("project_id", "id", "Sourcing project."),
                C("category", "str", "Category sourced."),
                C("gate", "str", "Stage gate (category profile, market assessment, ..., award)."),
                C(
                    "gate_order",
                    "int",
                    "Position of the gate in the project (1 = first).",
                    min=1,
                    max_abs=100,
                ),
                C("planned_date", "date", "Date the gate is planned to be passed."),
                C(
                    "actual_date",
                    "date",
                    "Date the gate was passed (empty: not yet).",
                    required=False,
                    nullable=True,
                ),
                C("owner", "str", "Project lead.", required=False, nullable=True),
                C(
                    "target_saving",
                    "float",
                    "Annual saving the project aims for.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency",
                ),
            ),
            key=("project_id", "gate_order"),
        ),
        Table(
            "price_index",
            "Market price index per category and month (a producer price index, a commodity "
            "quote or an industry index rebased to the category).",
            (
                C("category", "str", "Category the index tracks."),
                C("period", "date", "Month (first day)."),
                C("index_value", "float", "Index value (any base, e.g. 100).", min=0, max_abs=1e9),
                C("source", "str", "Publisher and series.", required=False, nullable=True),
            ),
            key=("category", "period"),
        ),
        Table(
            "resources",
            "Production resources (work centres, lines, crews) and their capacity per month, "
            "with the overtime they can add and its cost (rough-cut capacity, S&OP).",
            (
                C("resource_id", "id", "Resource."),
                C("name", "str", "Resource name.", required=False, nullable=True),
                C("location_id", "id", "Site of the resource.", required=False, nullable=True),
                C("period", "date", "Month (first day)."),
                C(
                    "capacity_hours",
                    "float",
                    "Regular capacity in the month (hours available after planned downtime).",
                    min=0,
                    unit="hours",
                    max_abs=1e9,
                ),
                C(
                    "overtime_max_hours",
                    "float",
                    "Most overtime the resource can add in the month (empty: none).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="hours",
                    max_abs=1e9,
                ),
                C(
                    "overtime_cost",
                    "float",
                    "Cost of one overtime hour.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency/hour",
                    max_abs=1e9,
                ),
                C(
                    "regular_cost",
                    "float",
                    "Cost of one regular hour (labour and running cost).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency/hour",
                    max_abs=1e9,
                ),
            ),
            key=("resource_id", "period"),
            soft_references={"location_id": "locations.location_id"},
        ),
        Table(
            "routings",
            "Bill of resources: hours one unit of a product family (items.category) or of one "
            "item needs on each resource (an item row overrides its family's).",
            (
                C("family", "str", "Product family (the items' category).", nullable=True),
                C(
                    "item_id",
                    "id",
                    "Item (empty: the row holds for the whole family).",
                    required=False,
                    nullable=True,
                ),
                C("resource_id", "id", "Resource used."),
                C(
                    "hours_per_unit",
                    "float",
                    "Resource hours per unit made.",
                    min=0,
                    unit="hours/unit",
                    max_abs=1e6,
                ),
            ),
            key=("family", "item_id", "resource_id"),
            references={"resource_id": "resources.resource_id"},
            soft_references={"item_id": "items.item_id"},
        ),
        Table(
            "budget",
            "Budget (annual operating plan) per product family and month: volume and revenue.",
            (
                C("family", "str", "Product family (the items' category)."),
                C("period", "date", "Month (first day)."),
                C("volume", "float", "Budgeted units sold.", min=0, unit="units"),
                C("revenue", "float", "Budgeted revenue.", min=0, unit="currency"),
                C(
                    "cost",
                    "float",
                    "Budgeted cost of goods sold.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency",
                ),
            ),
            key=("family", "period"),
        ),
        Table(
            "supplier_capacity",
            "Capacity suppliers have committed per product family and month, in units of the "
            "family (their production calendar), for the S&OP supplier view.",
            (
                C("supplier_id", "id", "Supplier."),
                C("family", "str", "Product family supplied."),
                C("period", "date", "Month (first day)."),
                C(
                    "capacity",
                    "float",
                    "Units of the family the supplier can supply in the month.",
                    min=0,
                    unit="units",
                ),
            ),
            key=("supplier_id", "family", "period"),
            references={"supplier_id": "suppliers.supplier_id"},
        ),
        Table(
            "candidate_sites",
            "Candidate warehouse / distribution sites for the network design, with their yearly "
            "fixed cost and throughput capacity (existing sites flagged).",
            (
                C("site_id", "id", "Site."),
                C("name", "str", "Site name (city)."),
                C("country", "str", "Country.", required=False, nullable=True),
                C(
                    "region",
                    "str",
                    "Sales region the site would serve (as customers.region).",
                    required=False,
                    nullable=True,
                ),
                C("latitude", "float", "Latitude.", min=-90, max=90, unit="degrees"),
                C("longitude", "float", "Longitude.", min=-180, max=180, unit="degrees"),
                C(
                    "fixed_cost",
                    "float",
                    "Fixed cost per year of running the site.",
                    min=0,
                    unit="currency",
                ),
                C(
                    "capacity",
                    "float",
                    "Most units the site can ship per year (empty: unlimited).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="units",
                ),
                C(
                    "existing",
                    "bool",
                    "Site in the current network.",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("site_id",),
        ),
        Table(
            "rfx_lots",
            "RFx (RFI / RFP / RFQ) lots: what each sourcing event asks suppliers to quote for.",
            (
                C("rfx_id", "id", "RFx (sourcing event)."),
                C("lot_id", "id", "Lot within the RFx."),
                C("title", "str", "RFx title.", required=False, nullable=True),
                C("category", "str", "Category sourced."),
                C("item_id", "id", "Item of the lot.", required=False, nullable=True),
                C("description", "str", "What the lot covers.", required=False, nullable=True),
                C("quantity", "float", "Quantity per year to award.", min=0, unit="units"),
                C("unit", "cat", "Unit of measure of the quantity.", allowed=RFX_UNITS),
                C(
                    "incoterm",
                    "cat",
                    "Delivery term the RFx asks for (Incoterms 2020).",
                    required=False,
                    nullable=True,
                    allowed=INCOTERMS,
                ),
                C(
                    "baseline_price",
                    "float",
                    "Current landed price per unit, reporting currency (empty: from PO lines).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency/unit",
                ),
                C("issue_date", "date", "RFx issued.", required=False, nullable=True),
                C("due_date", "date", "Responses due.", required=False, nullable=True),
            ),
            key=("rfx_id", "lot_id"),
            soft_references={"item_id": "items.item_id"},
        ),
        Table(
            "rfx_responses",
            "RFx responses: one row per lot and supplier, as quoted (currency, Incoterm and unit "
            "of measure of the supplier's choice), with the evaluation panel's technical score.",
            (
                C("rfx_id", "id", "RFx."),
                C("lot_id", "id", "Lot."),
                C("supplier_id", "id", "Responding supplier."),
                C("response_date", "date", "Response received.", required=False, nullable=True),
                C("unit_price", "float", "Price per quoted unit.", min=0, unit="currency/unit"),
                C("currency", "str", "ISO currency code of the price."),
                C("incoterm", "cat", "Delivery term quoted (Incoterms 2020).", allowed=INCOTERMS),
                C("unit", "cat", "Unit of measure quoted.", allowed=RFX_UNITS),
                C("lead_time_days", "float", "Quoted lead time.", min=0, unit="days"),
                C(
                    "capacity",
                    "float",
                    "Quantity per year the supplier can supply, in the quoted unit (empty: "
                    "unlimited).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="units",
                ),
                C(
                    "technical_score",
                    "float",
                    "Technical evaluation score 0-100 (evaluation panel).",
                    required=False,
                    nullable=True,
                    min=0,
                    max=100,
                    unit="0-100",
                ),
                C(
                    "tooling_cost",
                    "float",
                    "One-off tooling or set-up cost quoted.",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="currency",
                ),
                C(
                    "payment_days",
                    "float",
                    "Payment terms offered (days).",
                    required=False,
                    nullable=True,
                    min=0,
                    unit="days",
                ),
                C(
                    "duty_rate",
                    "float",
                    "Import duty on the goods from the supplier's origin (share of price).",
                    required=False,
                    nullable=True,
                    min=0,
                    max=1,
                ),
            ),
            key=("rfx_id", "lot_id", "supplier_id"),
            soft_references={"supplier_id": "suppliers.supplier_id"},
        ),
    ]
}


def to_markdown(used_by: Mapping[str, Sequence[str]] | None = None) -> str:
    """The data model as Markdown (``docs/data-model.md``); ``used_by`` maps a table to the
    processes that read it (from the notebooks' declarations, see ``scmlib.runner.catalog``)."""
    used_by = used_by or {}
    lines = [
        "# Data model",
        "",
        "Generated from `scmlib/data/model.py` and the tables each notebook declares (`python -m scmlib.runner.catalog > docs/data-model.md`); a test keeps it in sync.",
        "",
        "Every process notebook reads these canonical tables through `scmlib.data.load_data`. Column names",
        "are canonical; a `column_map` renames a source's columns to them. Types: `id` (text key), `str`,",
        "`cat` (one of the allowed values), `date`, `float`, `int`, `bool`. Required columns must exist;",
        "optional ones may be absent (the processes that need them say so in their reports).",
        "Extra columns in a source are kept, so later processes can add columns and tables without breaking these.",
        "",
        "Numbers and dates are read as the source means them or refused with the fix. Every number column has",
        "a largest plausible absolute value (`|x| <=` in the rules): non-finite values and values beyond it are",
        "refused, since they are typos, placeholders or misreads. Defaults by unit: "
        + ", ".join(f"{unit or 'other'} {_num(b)}" for unit, b in UNIT_BOUNDS.items())
        + f", any other unit {_num(DEFAULT_BOUND)}; "
        "raise one column's bound with `read_options: {table: {bounds: {column: value}}}`.",
        "",
    ]
    for t in TABLES.values():
        lines += [f"## `{t.name}`", "", t.description, "", f"Key: `{', '.join(t.key)}`."]
        if t.references:
            refs = ", ".join(f"`{c}` → `{r}`" for c, r in t.references.items())
            lines.append(f"References: {refs}.")
        if t.soft_references:
            refs = ", ".join(f"`{c}` → `{r}`" for c, r in t.soft_references.items())
            lines.append(f"Checked references (unknown values are warnings): {refs}.")
        if used_by.get(t.name):
            lines.append(f"Used by: {', '.join(f'`{p}`' for p in used_by[t.name])}.")
        lines += [
            "",
            "| column | type | required | unit | rules | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for c in t.columns:
            rules = []
            if c.min is not None:
                rules.append(f">= {c.min:g}")
            if c.max is not None:
                rules.append(f"<= {c.max:g}")
            if c.bound is not None and (c.min is None or c.max is None):  # a range says more
                rules.append(f"\\|x\\| <= {_num(c.bound)}")
            if c.allowed:
                rules.append(" / ".join(c.allowed))
            if not c.nullable:
                rules.append("not empty")
            lines.append(
                f"| `{c.name}` | {c.type} | {'yes' if c.required else 'no'} | {c.unit} | {'; '.join(rules)} | {c.description} |"
            )
        lines.append("")
    return "\n".join(lines)


def _num(x: float) -> str:
    """A bound as people read it: 36,500 or 1e15."""
    return f"{x:,.0f}" if x <= 1e6 else f"{x:.0e}".replace("e+", "e")
