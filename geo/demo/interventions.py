"""The demo's interventions: what the two action plans did, where and when (issue 16).

Taken from the demo's own stations and cameras, so that the map, the coverage and the evaluation agree:
the new Kelechek police station, the pilot apartment block's six cameras (their block as the treated
area), the A363 provincial road's cameras in Jeti-Oguz (the road as a line) and the renovated Jeti-Oguz
crime-prevention centre.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import WGS84, local_crs
from geo.evaluate.areas import DEFAULT_RADIUS, DEFAULT_RING

__all__ = ["interventions", "respond"]

# The share of an intervention's target incidents that do not happen after it starts: in its treated area (as
# geo.evaluate draws it: the polygon, or DEFAULT_RADIUS round a point or line), and, less, in the ring round it
# (diffusion of benefits). Plausible orders of size from the place-based policing literature (hot spot
# policing and CCTV meta-analyses find reductions of about a fifth to a third), not a finding.
EFFECT = {"station": 0.35, "camera": 0.25}
RING_EFFECT = 0.10

_NAMES = {
    "Kelechek police station": ("Отдел милиции ж/м Келечек", "Келечек конушунун милиция бөлүмү"),
    "Pilot block cameras": ("Камеры пилотного квартала", "Пилоттук кварталдын камералары"),
    "A363 road cameras": ("Камеры на дороге А363", "А363 жолундагы камералар"),
    "Jeti-Oguz prevention centre renovated": ("Ремонт центра профилактики Жети-Огуза",
                                              "Жети-Өгүз алдын алуу борборун оңдоо"),
}


def interventions(stations: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The four interventions of the demo, in EPSG:4326, with the schema's fields."""
    st = stations.set_index("name")
    kelechek = st.loc["Kelechek Police Station"]
    centre = st.loc["Jeti-Oguz Crime Prevention Centre"]
    pilot = cameras[cameras["name"].str.startswith("Pilot block camera")]
    a363 = cameras[cameras["name"].str.startswith("A363 ")]
    a363 = a363.iloc[a363.geometry.x.argsort()]  # west to east along the road
    rows = [
        ("Kelechek police station", "station", kelechek["opened"], "public_order,burglary,juvenile", 12_000_000.0,
         kelechek.geometry),
        ("Pilot block cameras", "camera", pilot["installed"].min(), "burglary,public_order", 900_000.0,
         shapely.convex_hull(shapely.MultiPoint(list(pilot.geometry)))),
        ("A363 road cameras", "camera", a363["installed"].min(), "road_traffic", 2_100_000.0,
         shapely.LineString(list(a363.geometry))),
        ("Jeti-Oguz prevention centre renovated", "station", pd.Timestamp("2017-11-01"),
         "domestic_violence,juvenile,livestock_theft", 3_500_000.0, centre.geometry),
    ]
    return gpd.GeoDataFrame(
        {"name": [r[0] for r in rows], "kind": [r[1] for r in rows],
         "started": pd.to_datetime([r[2] for r in rows]), "ended": pd.to_datetime([None] * len(rows)),
         "categories": [r[3] for r in rows], "cost": [r[4] for r in rows],
         "name_ru": [_NAMES[r[0]][0] for r in rows], "name_ky": [_NAMES[r[0]][1] for r in rows]},
        geometry=[r[5] for r in rows], crs=WGS84)


def respond(incidents: gpd.GeoDataFrame, acts: gpd.GeoDataFrame, *, seed: int) -> gpd.GeoDataFrame:
    """The incidents with the interventions' effect drawn in: some target incidents after each start removed.

    In each treated area a share :data:`EFFECT` of the targeted categories' incidents after the start, in its
    ring a share :data:`RING_EFFECT`, chosen at random (``seed``), so that the demo's "Did it work?" has
    something to find, with chance and the control's own trend around it.
    """
    rng = np.random.default_rng(seed + 0xAC7)
    crs = local_crs(incidents)
    pts = incidents.to_crs(crs)
    drop = np.zeros(len(incidents), dtype=bool)
    for act in acts.to_crs(crs).itertuples():
        geom = act.geometry
        treated = geom if geom.geom_type in ("Polygon", "MultiPolygon") else geom.buffer(DEFAULT_RADIUS)
        ring = treated.buffer(DEFAULT_RING).difference(treated)
        target = (pts["category"].astype(str).isin(str(act.categories).split(","))
                  & (pts["occurred_at"] >= pd.Timestamp(act.started))).to_numpy()
        draw = rng.random(len(pts))
        drop |= target & pts.within(treated).to_numpy() & (draw < EFFECT.get(act.kind, 0.25))
        drop |= target & pts.within(ring).to_numpy() & (draw < RING_EFFECT)
    return incidents[~drop].reset_index(drop=True)
