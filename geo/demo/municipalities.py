"""The demo as municipalities: one workspace per municipality, as a national coordinator holds ten of them.

The demo models two municipalities in one workspace (``demo.gpkg``: Bishkek and
Jeti-Oguz rayon, told apart by the boundaries' ``area``). A folder of
municipalities holds one workspace each (:func:`geo.io.workspaces.list_municipalities`),
so :func:`write_municipalities` cuts the demo's layers into one GeoPackage per
municipality with the study selection the pages and the pack use
(:func:`geo.select.select_study` with the municipality as its area): its
settlements, the incidents inside them, and the stations, cameras and roads that
touch them. Each file's metadata is the demo's plus the municipality's name in
English, Russian and Kyrgyz (as the boundaries' ``area``, ``area_ru`` and
``area_ky`` spell it) and a title of its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import shapely

from geo.i18n import N_
from geo.io.store import Workspace
from geo.schema import LAYERS
from geo.select import IncidentFilter, select_study

__all__ = ["FOLDER", "MUNICIPALITIES", "municipality_layers", "write_municipalities"]

FOLDER = "municipalities"
# key (the file's stem, a valid municipality key), the boundaries' area, and the title (stored in English,
# shown in the reader's language by Tr.message: a whole msgid, so the place name is translated with it)
MUNICIPALITIES: dict[str, tuple[str, str]] = {
    "bishkek": ("Bishkek", N_("Koopsuz demo: Bishkek (synthetic)")),
    "jeti-oguz": ("Jeti-Oguz", N_("Koopsuz demo: Jeti-Oguz (synthetic)")),
}


def municipality_layers(layers: Mapping[str, gpd.GeoDataFrame], area: str) -> dict[str, gpd.GeoDataFrame]:
    """The demo's layers restricted to one municipality (the boundaries' ``area``).

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        The five layers of :func:`geo.demo.make_demo`.
    area : str
        ``"Bishkek"`` or ``"Jeti-Oguz"``.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        The five layers with exactly the schema's fields: the area's
        settlements, the incidents inside them (every period), and the
        stations, cameras and roads that touch them.
    """
    study = select_study(layers, IncidentFilter(area=area))
    out = {}
    for name, frame in study.layers().items():
        # the selection adds the incidents' settlement ("unit", "area"): the stored layer keeps the schema's fields
        out[name] = frame[[*LAYERS[name].field_names, frame.geometry.name]].reset_index(drop=True)
    if "survey" in layers:  # the survey's answers in the municipality's settlements
        survey = layers["survey"]
        out["survey"] = survey[survey["settlement"].isin(set(study.units["name"].astype(str)))].reset_index(drop=True)
    if "interventions" in layers:  # the actions inside the municipality's settlements
        acts = layers["interventions"]
        inside = acts.intersects(shapely.union_all(study.units.to_crs(acts.crs).geometry.to_numpy()))
        out["interventions"] = acts[inside].reset_index(drop=True)
    return out


def write_municipalities(layers: Mapping[str, gpd.GeoDataFrame], out_dir: str | os.PathLike[str], *,
                         meta: Mapping[str, str]) -> list[Path]:
    """Write ``<out_dir>/municipalities/<key>.gpkg`` for each municipality of the demo.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        The five layers of :func:`geo.demo.make_demo`.
    out_dir : path-like
        The demo's folder; ``municipalities/`` is created in it.
    meta : mapping of str to str
        The demo's metadata; each file gets it with ``municipality``,
        ``municipality_ru``, ``municipality_ky`` and its own ``title``.

    Returns
    -------
    list of pathlib.Path
        The files written, in :data:`MUNICIPALITIES` order.
    """
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    bounds = layers["boundaries"]
    paths = []
    for key, (area, title) in MUNICIPALITIES.items():
        mine = bounds[bounds["area"] == area]
        if len(mine) == 0:
            msg = f"the demo has no settlements of {area}"
            raise ValueError(msg)
        names = {"municipality": area, "municipality_ru": str(mine["area_ru"].iloc[0]),
                 "municipality_ky": str(mine["area_ky"].iloc[0]), "title": title}
        path = folder / f"{key}.gpkg"
        Workspace(path).write(municipality_layers(layers, area), meta={**meta, **names}, fresh=True)
        paths.append(path)
    return paths
