"""Demand patterns: period grids and the Syntetos-Boylan-Croston demand classes.

Shared by forecasting (model choice per demand class) and inventory (segmentation, safety
stock distributions), so it lives in the core layer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


def demand_class(adi: pd.Series | np.ndarray, cv2: pd.Series | np.ndarray) -> np.ndarray:
    """Syntetos-Boylan-Croston categorisation with cut-offs ADI 1.32 and CV² 0.49.

    smooth (ADI < 1.32, CV² < 0.49), erratic (ADI < 1.32, CV² >= 0.49),
    intermittent (ADI >= 1.32, CV² < 0.49), lumpy (both high); ``no demand`` when ADI is NaN.

    Parameters
    ----------
    adi : average inter-demand interval per series (periods per non-zero demand).
    cv2 : squared coefficient of variation of the non-zero demand sizes.

    Returns
    -------
    numpy.ndarray of class names, one per series.

    References
    ----------
    Syntetos, Boylan & Croston (2005), "On the categorization of demand patterns", JORS 56(5),
    495-503 (the cut-offs ADI = 1.32 and CV² = 0.49, their Figure 3).

    Examples
    --------
    The four quadrants, and a series that never sold:

    >>> demand_class([1.0, 1.0, 2.0, 2.0, float("nan")], [0.2, 0.8, 0.2, 0.8, 0.0]).tolist()
    ['smooth', 'erratic', 'intermittent', 'lumpy', 'no demand']
    """
    adi = np.asarray(adi, dtype=float)
    cv2 = np.nan_to_num(np.asarray(cv2, dtype=float), nan=0.0)
    cls = np.where(
        adi < ADI_CUTOFF,
        np.where(cv2 < CV2_CUTOFF, "smooth", "erratic"),
        np.where(cv2 < CV2_CUTOFF, "intermittent", "lumpy"),
    )
    return np.where(np.isnan(adi), "no demand", cls).astype(object)


def cv2_of_sizes(sizes: pd.Series, by: pd.Series | Sequence[pd.Series] | None = None):
    """Squared coefficient of variation of the non-zero demand sizes, with the SAMPLE standard
    deviation (ddof = 1), per group of ``by`` (or of the whole series when ``by`` is None).

    Zeros and missing values are not demand sizes and are left out; a group with a single
    non-zero demand has no CV² (NaN, which :func:`demand_class` reads as 0: a constant size).

    References
    ----------
    Syntetos, Boylan & Croston (2005), JORS 56(5), 495-503: CV² of the demand sizes, estimated
    with the sample variance; the reference implementation, tsintermittent's ``idclass``
    (Kourentzes 2014, R), computes ``(sd(z) / mean(z))^2`` with R's ``sd`` (n - 1 divisor).

    Examples
    --------
    Sizes 2, 4 and 6 (zeros between them): mean 4, sample variance 4, CV² = 4 / 16 = 0.25
    (the population variance would give 0.1667):

    >>> float(cv2_of_sizes(pd.Series([2.0, 0.0, 4.0, 0.0, 6.0])))
    0.25
    >>> cv2_of_sizes(pd.Series([1.0, 3.0, 5.0, 0.0]), pd.Series(["a", "a", "b", "b"])).round(3).tolist()
    [0.5, nan]
    """
    q = pd.Series(sizes, dtype=float)
    nz = q.where(q > 0)
    if by is None:
        return (nz.std(ddof=1) / nz.mean()) ** 2
    g = nz.groupby(by, observed=True, dropna=False)
    return (g.std(ddof=1) / g.mean()) ** 2


def complete_periods(
    demand: pd.DataFrame, id_cols: Sequence[str], date_col: str = "date", target: str = "quantity"
) -> pd.DataFrame:
    """Fill missing periods between each series' first period and the last period overall with zeros."""
    id_cols = list(id_cols)
    periods = pd.DatetimeIndex(np.sort(demand[date_col].unique()))
    pos = pd.Series(np.arange(len(periods)), index=periods)
    keys = demand[id_cols].drop_duplicates().reset_index(drop=True)
    first = (
        demand.assign(_p=demand[date_col].map(pos))
        .groupby(id_cols, observed=True, dropna=False)["_p"]
        .min()
        .rename("_first")
        .reset_index()
    )
    grid = (
        keys.merge(first, on=id_cols)
        .loc[lambda d: d.index.repeat(len(periods) - d["_first"])]
        .copy()
    )
    grid["_p"] = grid.groupby(id_cols, observed=True, dropna=False).cumcount() + grid["_first"]
    grid[date_col] = periods[grid["_p"].to_numpy()]
    agg = (
        demand.groupby([*id_cols, date_col], observed=True, dropna=False)[target]
        .sum()
        .reset_index()
    )
    out = grid.drop(columns=["_first", "_p"]).merge(agg, on=[*id_cols, date_col], how="left")
    out[target] = out[target].fillna(0.0)
    return out.sort_values([*id_cols, date_col]).reset_index(drop=True)
