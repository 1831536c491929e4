"""Display names: the master-data name of a supplier, item, customer or location, through one
lookup, so every report calls the same entity the same thing (the name, with the id only where
names repeat)."""

from __future__ import annotations

import re

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


# legal-form words dropped when names are compared (procurement's supplier normalisation list)
LEGAL_SUFFIXES = (
    "limited", "ltd", "plc", "inc", "incorporated", "gmbh", "llc", "llp", "lp", "corp",
    "corporation", "co", "company", "sa", "s a", "ag", "bv", "b v", "nv", "pty", "srl", "spa",
    "s p a", "oy", "ab", "as", "kg", "sarl", "uk", "group",
)  # fmt: skip
_SUFFIX_RE = re.compile(
    r"(?:\s+(?:"
    + "|".join(re.escape(s) for s in sorted(LEGAL_SUFFIXES, key=len, reverse=True))
    + r"))+$"
)


def normalise_name(names: pd.Series) -> pd.Series:
    """Canonical form of company names for matching: lower case, '&' -> 'and', punctuation
    removed, a leading 'the' and trailing legal suffixes (Ltd, Limited, plc, Inc, GmbH, ...)
    removed, spaces collapsed ("Falcon  Services Ltd." and "FALCON SERVICES LIMITED" are both
    "falcon services"); the same rules as procurement's supplier normalisation."""
    s = pd.Series(names, dtype="string").fillna("").str.lower()
    s = s.str.replace("&", " and ", regex=False)
    s = s.str.replace(r"[^\w\s]", " ", regex=True).str.replace("_", " ", regex=False)
    s = s.str.replace(r"\s+", " ", regex=True).str.strip()
    s = s.str.replace(r"^the\s+", "", regex=True)
    stripped = s.str.replace(_SUFFIX_RE, "", regex=True).str.strip()
    return stripped.where(stripped != "", s).astype(object)
