"""Display names: the master-data name of a supplier, item, customer or location, through one
lookup, so every report calls the same entity the same thing (the name, with the id only where
names repeat)."""

from __future__ import annotations

import pandas as pd

# id column -> (master table, name column)
MASTERS = {
    "supplier_id": ("suppliers", "name"),
    "item_id": ("items", "description"),
    "customer_id": ("customers", "name"),
    "location_id": ("locations", "name"),
}


def display_names(ids: pd.Series, master: pd.DataFrame | None, id_col: str) -> pd.Series:
    """The master name of each id; the id itself where the master has no (or an empty) name, and
    ``name (id)`` where two ids share a name (duplicate vendor records, say)."""
    ids = pd.Series(ids)
    _, name_col = MASTERS[id_col]
    if master is None or name_col not in master.columns or id_col not in master.columns:
        return ids.astype(str)
    m = master[[id_col, name_col]].dropna().drop_duplicates(id_col)
    shared = m[name_col].duplicated(keep=False)
    label = (
        m[name_col]
        .astype(str)
        .where(~shared, m[name_col].astype(str) + " (" + m[id_col].astype(str) + ")")
    )
    named = ids.map(pd.Series(label.to_numpy(), index=m[id_col].to_numpy()))
    return named.fillna(ids.astype(str)).where(ids.notna(), None)


def with_names(frame: pd.DataFrame, data, id_col: str, column: str = "name") -> pd.DataFrame:
    """``frame`` with a ``column`` of display names for ``id_col``, placed right after it; ``data``
    maps table names to frames (a Dataset works)."""
    table, _ = MASTERS[id_col]
    names = display_names(frame[id_col], data.get(table) if hasattr(data, "get") else None, id_col)
    out = frame.drop(columns=[column], errors="ignore").copy()
    out.insert(out.columns.get_loc(id_col) + 1, column, names.to_numpy())
    return out
