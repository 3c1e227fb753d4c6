"""The demo's interventions: what the two action plans did, where and when (issue 16).

Taken from the demo's own stations and cameras, so that the map, the coverage and the evaluation agree:
the new Kelechek police station, the pilot apartment block's six cameras (their block as the treated
area), the A363 provincial road's cameras in Jeti-Oguz (the road as a line) and the renovated Jeti-Oguz
crime-prevention centre.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geo.crs import WGS84

__all__ = ["interventions"]

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
