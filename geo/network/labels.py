"""Which facility: the index label and display name of the facility that reaches or is nearest to each point.

Shared by the drive times here and by :func:`geo.coverage.nearest_facility`
above, so both name facilities the same way (``name``, else the label).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["facility_labels", "facility_names"]


def facility_names(frame: gpd.GeoDataFrame) -> np.ndarray:
    """The ``name`` of each row, or its index label where it has none.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame

    Returns
    -------
    numpy.ndarray
        Object array of str.
    """
    labels = frame.index.astype(str).to_numpy(dtype=object)
    if "name" not in frame:
        return labels
    names = frame["name"]
    return np.where(names.notna().to_numpy(), names.astype(str).to_numpy(dtype=object), labels)


def facility_labels(facilities: gpd.GeoDataFrame, pos: np.ndarray) -> tuple[np.ndarray, pd.Categorical]:
    """Index labels and names of the facilities at positions ``pos`` (-1: none, None and NaN).

    Names come as a categorical: a million incidents share a few dozen
    names, and building a million strings would take longer than the search.

    Parameters
    ----------
    facilities : geopandas.GeoDataFrame
    pos : numpy.ndarray
        Row position of each point's facility, -1 for none.

    Returns
    -------
    labels : numpy.ndarray
    names : pandas.Categorical
    """
    found = pos >= 0
    labels = facilities.index.to_numpy()
    codes, uniques = pd.factorize(facility_names(facilities))
    names = pd.Categorical.from_codes(np.where(found, codes[np.where(found, pos, 0)], -1) if len(codes) else
                                      np.full(len(pos), -1), categories=pd.Index(uniques, dtype=object))
    if found.all():
        return labels[pos], names
    lab = np.full(len(pos), None, dtype=object)
    lab[found] = labels[pos[found]]
    return lab, names
