"""The demo's hand-drawn geography: outlines, districts, settlements, roads, places, stations and cameras.

Every coordinate here was drawn by hand from public facts (rough positions
of districts, avenues, bazaars, bus stations and settlements; district and
rayon populations); no boundary file, road network or police record was
copied, and positions are off by hundreds of metres. See :mod:`geo.demo`.

:func:`_build_bishkek` and :func:`_build_jeti_oguz` turn the drawings into
:class:`_Area` objects (units, roads, junctions and named places in the local
UTM zone) for the incident model (:mod:`geo.demo.incidents`); :func:`_boundaries`,
:func:`_roads`, :func:`_stations` and :func:`_cameras` give the layers that do
not depend on the seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import LineString, MultiPoint, Point, Polygon

from geo.crs import WGS84, utm_crs

__all__ = ["JETI_OGUZ_SETTLEMENTS", "SVERDLOVSKY_RATE_2016"]

# Sverdlovsky district's 2016 rate per 100,000, the city's highest, fixed by
# construction so that the demo reproduces it exactly.
SVERDLOVSKY_RATE_2016 = 1341

_GEOD = Geod(ellps="WGS84")

# An irregular city outline, clockwise from the west; the northern bulge holds
# Dordoi bazaar.
_BISHKEK_OUTLINE = [
    (74.500, 42.870), (74.505, 42.895), (74.520, 42.912), (74.548, 42.922),
    (74.575, 42.918), (74.598, 42.928), (74.606, 42.945), (74.628, 42.947),
    (74.640, 42.930), (74.660, 42.923), (74.682, 42.915), (74.698, 42.898),
    (74.703, 42.878), (74.696, 42.855), (74.688, 42.835), (74.668, 42.815),
    (74.645, 42.803), (74.620, 42.798), (74.595, 42.801), (74.572, 42.808),
    (74.548, 42.820), (74.525, 42.835), (74.508, 42.852),
]
# District dividers; they run past the outline so that they cut it through.
_CHUI_DIVIDER = [
    (74.490, 42.8772), (74.553, 42.8765), (74.575, 42.8760), (74.612, 42.8760),
    (74.650, 42.8752), (74.712, 42.8745),
]
_SOVETSKAYA_DIVIDER = [
    (74.612, 42.960), (74.612, 42.8760), (74.6115, 42.840), (74.611, 42.800), (74.611, 42.785),
]
_KELECHEK_OUTLINE = [
    (74.650, 42.8960), (74.655, 42.9075), (74.668, 42.9090), (74.674, 42.9020),
    (74.671, 42.8935), (74.658, 42.8925),
]

# name, ru, ky, population (~2016), quadrant it occupies (x sign, y sign
# relative to the Chui / Sovetskaya crossing), 2016 rate per 100,000.
_BISHKEK_DISTRICTS = [
    ("Leninsky", "Ленинский район", "Ленин району", 295_000, (-1, -1), 800.0),
    ("Oktyabrsky", "Октябрьский район", "Октябрь району", 245_000, (1, -1), 850.0),
    ("Pervomaysky", "Первомайский район", "Биринчи май району", 215_000, (-1, 1), 980.0),
    ("Sverdlovsky", "Свердловский район", "Свердлов району", 232_000, (1, 1), float(SVERDLOVSKY_RATE_2016)),
]
_KELECHEK = ("Kelechek", "Келечек", "Келечек", 18_000)

# The rayon between the lake's south shore (just north of the settlements)
# and the mountains; its bounds centre lies east of 78 E (UTM zone 44).
_JETI_OGUZ_OUTLINE = [
    (77.300, 42.185), (77.450, 42.192), (77.530, 42.178), (77.605, 42.172),
    (77.720, 42.238), (77.830, 42.290), (77.930, 42.352), (78.000, 42.362),
    (78.100, 42.392), (78.220, 42.425), (78.300, 42.452), (78.330, 42.400),
    (78.450, 42.300), (78.600, 42.200), (78.750, 42.100), (78.900, 42.000),
    (79.000, 41.900), (79.000, 41.750), (78.800, 41.650), (78.500, 41.600),
    (78.200, 41.620), (77.900, 41.650), (77.600, 41.700), (77.400, 41.800),
    (77.300, 41.950),
]
# name, ru, ky, lon, lat, population (sums to 63,900), relative crime rate.
JETI_OGUZ_SETTLEMENTS: tuple[tuple[str, str, str, float, float, int, float], ...] = (
    ("Tamga", "Тамга", "Тамга", 77.530, 42.160, 4_200, 0.95),
    ("Barskoon", "Барскоон", "Барскоон", 77.605, 42.155, 9_000, 1.05),
    ("Ak-Terek", "Ак-Терек", "Ак-Терек", 77.720, 42.220, 5_400, 0.90),
    ("Darkhan", "Дархан", "Дархан", 77.830, 42.270, 6_300, 0.90),
    ("Saruu", "Саруу", "Саруу", 77.930, 42.330, 8_400, 0.95),
    ("Kyzyl-Suu", "Кызыл-Суу", "Кызыл-Суу", 78.000, 42.340, 13_000, 1.15),
    ("Orgochor", "Оргочор", "Оргочор", 78.100, 42.370, 7_500, 0.95),
    ("Jeti-Oguz village", "Джети-Огуз", "Жети-Өгүз", 78.220, 42.400, 10_100, 1.00),
)
_SEED_STEP_M = 2_000.0  # spacing of the Voronoi seed columns

# Roads: name, name in descriptions, class, km/h, vertices.
_BISHKEK_ROADS: list[tuple[str, str, str, float, list[tuple[float, float]]]] = [
    # Chui avenue is the divider itself, from city edge to city edge
    ("Chui avenue", "пр. Чуй", "primary", 60,
     [(74.503, 42.87706), *_CHUI_DIVIDER[1:-1], (74.700, 42.87464)]),
    ("Jibek Jolu avenue", "пр. Жибек Жолу", "primary", 60,
     [(74.512, 42.8905), (74.570, 42.8900), (74.612, 42.8895), (74.650, 42.8890), (74.692, 42.8885)]),
    ("Akhunbaev street (southern east-west)", "ул. Ахунбаева", "primary", 60,
     [(74.528, 42.8460), (74.580, 42.8450), (74.612, 42.8445), (74.660, 42.8450), (74.690, 42.8465)]),
    ("Manas avenue", "пр. Манаса", "primary", 60,
     [(74.586, 42.8950), (74.585, 42.8760), (74.585, 42.8500), (74.584, 42.8100)]),
    ("Sovetskaya / Baytik Baatyr street", "ул. Советская / Байтик Баатыра", "primary", 60,
     [(74.612, 42.8895), (74.612, 42.8760), (74.6115, 42.8400), (74.611, 42.8010)]),
    ("Almatinskaya street", "ул. Алматинская", "secondary", 50,
     [(74.561, 42.9150), (74.560, 42.8760), (74.559, 42.8400), (74.558, 42.8160)]),
    ("Zhukeev-Pudovkin street", "ул. Жукеева-Пудовкина", "secondary", 50,
     [(74.625, 42.8950), (74.625, 42.8760), (74.6245, 42.8550)]),
    ("Moskovskaya street", "ул. Московская", "secondary", 50,
     [(74.530, 42.8705), (74.585, 42.8700), (74.612, 42.8695), (74.670, 42.8690)]),
    ("Frunze street", "ул. Фрунзе", "secondary", 50,
     [(74.540, 42.8825), (74.585, 42.8822), (74.612, 42.8820), (74.680, 42.8815)]),
    ("Road to Dordoi", "дорога на Дордой", "secondary", 50,
     [(74.612, 42.8895), (74.614, 42.9150), (74.618, 42.9350), (74.620, 42.9440)]),
    ("Road to Kelechek", "дорога на Келечек", "tertiary", 40,
     [(74.652, 42.8890), (74.658, 42.8970), (74.665, 42.9050), (74.680, 42.9140)]),
    ("Northern bypass", "Северная объездная", "motorway", 90,
     [(74.520, 42.9080), (74.575, 42.9140), (74.618, 42.9300), (74.660, 42.9190), (74.690, 42.9080)]),
    ("Kelechek, street 1", "ж/м Келечек, ул. 1", "residential", 20,
     [(74.6525, 42.8990), (74.6620, 42.9000), (74.6710, 42.9005)]),
    ("Kelechek, street 2", "ж/м Келечек, ул. 2", "residential", 20,
     [(74.6620, 42.8935), (74.6620, 42.9000), (74.6630, 42.9080)]),
]
_JETI_OGUZ_ROADS: list[tuple[str, str, str, float, list[tuple[float, float]]]] = [
    ("A363 south-shore road (Tosor - Kyzyl-Suu - towards Karakol)", "трасса А363", "primary", 80,
     [(77.302, 42.195), (77.450, 42.180), (77.490, 42.166), (77.530, 42.160), (77.605, 42.155),
      (77.660, 42.188), (77.720, 42.220), (77.775, 42.246), (77.830, 42.270), (77.880, 42.301),
      (77.930, 42.330), (78.000, 42.340), (78.050, 42.356), (78.100, 42.370), (78.160, 42.385),
      (78.220, 42.400), (78.270, 42.425), (78.305, 42.445)]),
    ("Jeti-Oguz gorge road", "дорога в ущелье Джети-Огуз", "tertiary", 40,
     [(78.220, 42.400), (78.225, 42.365), (78.232, 42.335), (78.245, 42.280), (78.262, 42.220),
      (78.275, 42.160)]),
    ("Barskoon gorge road", "дорога в ущелье Барскоон", "secondary", 60,
     [(77.605, 42.155), (77.612, 42.100), (77.625, 42.040), (77.650, 41.970), (77.690, 41.900)]),
    ("Chong-Kyzyl-Suu valley road", "дорога в ущелье Чон-Кызыл-Суу", "tertiary", 40,
     [(78.000, 42.340), (77.998, 42.290), (78.005, 42.230), (78.020, 42.170)]),
]

# Public-order hot spots: name, ru label, lon, lat, weight, sd (m).
_BISHKEK_HUBS = [
    ("Osh bazaar", "Ошский рынок", 74.570, 42.875, 3.0, 300.0),
    ("Dordoi bazaar", "рынок Дордой", 74.618, 42.935, 3.0, 400.0),
    ("Alamedin bazaar", "Аламединский рынок", 74.636, 42.887, 2.0, 250.0),
    ("Orto-Sai bazaar", "рынок Орто-Сай", 74.620, 42.830, 1.5, 250.0),
    ("Western bus station", "Западный автовокзал", 74.553, 42.876, 1.5, 200.0),
    ("Eastern bus station", "Восточный автовокзал", 74.652, 42.882, 1.5, 200.0),
    ("Railway station", "ж/д вокзал", 74.610, 42.865, 1.0, 200.0),
    ("Ala-Too square", "площадь Ала-Тоо", 74.6035, 42.8770, 1.5, 250.0),
    ("Kelechek centre", "ж/м Келечек", 74.661, 42.900, 1.0, 300.0),
]
# Residential micro-district clusters: name, ru label, lon, lat, sd (m).
_BISHKEK_RESIDENTIAL = [
    ("Dzhal", "мкр. Джал", 74.585, 42.830, 600.0),
    ("Ak-Bosogo", "ж/м Ак-Босого", 74.530, 42.862, 600.0),
    ("10th micro-district", "10 мкр.", 74.597, 42.846, 500.0),
    ("Asanbai", "мкр. Асанбай", 74.628, 42.822, 600.0),
    ("Tunguch", "мкр. Тунгуч", 74.652, 42.848, 500.0),
    ("Vostok-5", "мкр. Восток-5", 74.668, 42.858, 500.0),
    ("Alamedin-1", "мкр. Аламедин-1", 74.642, 42.868, 500.0),
    ("Archa-Beshik", "ж/м Арча-Бешик", 74.530, 42.895, 700.0),
    ("Ak-Ordo", "ж/м Ак-Ордо", 74.555, 42.912, 600.0),
    ("Pishpek", "ж/м Пишпек", 74.590, 42.905, 600.0),
    ("Uchkun", "мкр. Учкун", 74.640, 42.905, 500.0),
    ("Ak-Orgo", "ж/м Ак-Орго", 74.676, 42.886, 600.0),
    ("Kelechek", "ж/м Келечек", 74.661, 42.900, 450.0),
]
_JETI_OGUZ_HUBS = [
    ("Kyzyl-Suu bazaar", "рынок с. Кызыл-Суу", 78.003, 42.343, 2.0, 250.0),
    ("Jeti-Oguz resort", "курорт Джети-Огуз", 78.232, 42.335, 1.0, 400.0),
]

# Stations: name, kind, opened, address, lon, lat. Addresses are written as a registry in Kyrgyzstan writes them.
_STATIONS: list[tuple[str, str, str | None, str, float, float]] = [
    ("Bishkek City Police Headquarters", "headquarters", None,
     "г. Бишкек, Первомайский район (место примерное)", 74.598, 42.880),
    ("Leninsky District Police Department", "station", None,
     "г. Бишкек, Ленинский район (место примерное)", 74.575, 42.860),
    ("Oktyabrsky District Police Department", "station", None,
     "г. Бишкек, Октябрьский район (место примерное)", 74.632, 42.858),
    ("Pervomaysky District Police Department", "station", None,
     "г. Бишкек, Первомайский район (место примерное)", 74.590, 42.888),
    ("Sverdlovsky District Police Department", "station", None,
     "г. Бишкек, Свердловский район (место примерное)", 74.640, 42.880),
    ("Osh Bazaar Police Post", "post", None, "Бишкек, Ошский рынок", 74.5705, 42.8745),
    ("Dordoi Bazaar Police Post", "post", None, "г. Бишкек, рынок Дордой", 74.618, 42.934),
    ("Western Bus Station Police Post", "post", None, "г. Бишкек, Западный автовокзал", 74.553, 42.8755),
    ("Eastern Bus Station Police Post", "post", None, "г. Бишкек, Восточный автовокзал", 74.652, 42.8815),
    ("Kelechek Police Station", "station", "2017-12-01",
     "г. Бишкек, Свердловский район, ж/м Келечек (новый отдел)", 74.6615, 42.9005),
    ("Jeti-Oguz Rayon Police Department", "station", None,
     "с. Кызыл-Суу, Джети-Огузский район (здание после ремонта)", 78.004, 42.341),
    ("Jeti-Oguz Crime Prevention Centre", "prevention_centre", None,
     "с. Кызыл-Суу, Джети-Огузский район (центр профилактики правонарушений)", 77.998, 42.338),
    ("Barskoon Police Post", "post", None, "с. Барскоон, Джети-Огузский район", 77.606, 42.156),
    ("Tamga Police Post", "post", None, "с. Тамга, Джети-Огузский район", 77.531, 42.161),
]
# The stations' names in Russian and Kyrgyz.
_STATION_NAMES: dict[str, tuple[str, str]] = {
    "Bishkek City Police Headquarters": ("Управление милиции г. Бишкек", "Бишкек шаарынын милиция башкармалыгы"),
    "Leninsky District Police Department": ("Отдел милиции Ленинского района", "Ленин районунун милиция бөлүмү"),
    "Oktyabrsky District Police Department": ("Отдел милиции Октябрьского района",
                                              "Октябрь районунун милиция бөлүмү"),
    "Pervomaysky District Police Department": ("Отдел милиции Первомайского района",
                                               "Биринчи май районунун милиция бөлүмү"),
    "Sverdlovsky District Police Department": ("Отдел милиции Свердловского района",
                                               "Свердлов районунун милиция бөлүмү"),
    "Osh Bazaar Police Post": ("Пост милиции «Ошский рынок»", "«Ош базары» милиция посту"),
    "Dordoi Bazaar Police Post": ("Пост милиции «Дордой»", "«Дордой» милиция посту"),
    "Western Bus Station Police Post": ("Пост милиции «Западный автовокзал»", "«Батыш автобекети» милиция посту"),
    "Eastern Bus Station Police Post": ("Пост милиции «Восточный автовокзал»", "«Чыгыш автобекети» милиция посту"),
    "Kelechek Police Station": ("Отдел милиции ж/м Келечек", "Келечек конушунун милиция бөлүмү"),
    "Jeti-Oguz Rayon Police Department": ("Отдел милиции Джети-Огузского района",
                                          "Жети-Өгүз районунун милиция бөлүмү"),
    "Jeti-Oguz Crime Prevention Centre": ("Центр профилактики правонарушений Джети-Огузского района",
                                          "Жети-Өгүз районунун укук бузуулардын алдын алуу борбору"),
    "Barskoon Police Post": ("Пост милиции с. Барскоон", "Барскоон айылынын милиция посту"),
    "Tamga Police Post": ("Пост милиции с. Тамга", "Тамга айылынын милиция посту"),
}
# The areas (municipalities) in Russian and Kyrgyz.
_AREA_NAMES: dict[str, tuple[str, str]] = {"Bishkek": ("Бишкек", "Бишкек"), "Jeti-Oguz": ("Джети-Огуз", "Жети-Өгүз")}
# The roads' names in Kyrgyz (their Russian names are in the road tables).
_ROAD_NAMES_KY: dict[str, str] = {
    "Chui avenue": "Чүй проспектиси", "Jibek Jolu avenue": "Жибек Жолу проспектиси",
    "Akhunbaev street (southern east-west)": "Ахунбаев көчөсү", "Manas avenue": "Манас проспектиси",
    "Sovetskaya / Baytik Baatyr street": "Советская / Байтик Баатыр көчөсү", "Almatinskaya street": "Алматы көчөсү",
    "Zhukeev-Pudovkin street": "Жукеев-Пудовкин көчөсү", "Moskovskaya street": "Москва көчөсү",
    "Frunze street": "Фрунзе көчөсү", "Road to Dordoi": "Дордойго баруучу жол",
    "Road to Kelechek": "Келечекке баруучу жол", "Northern bypass": "Түндүк айланма жолу",
    "Kelechek, street 1": "Келечек конушу, 1-көчө", "Kelechek, street 2": "Келечек конушу, 2-көчө",
    "A363 south-shore road (Tosor - Kyzyl-Suu - towards Karakol)": "А363 трассасы",
    "Jeti-Oguz gorge road": "Жети-Өгүз капчыгайына баруучу жол",
    "Barskoon gorge road": "Барскоон капчыгайына баруучу жол",
    "Chong-Kyzyl-Suu valley road": "Чоң-Кызыл-Суу капчыгайына баруучу жол",
}
# Camera names: where each pilot camera sits, and the ends of a village on the A363, in Russian and Kyrgyz.
_PILOT_WHERE: dict[str, tuple[str, str]] = {
    "NW corner": ("северо-западный угол", "түндүк-батыш бурчу"),
    "NE corner": ("северо-восточный угол", "түндүк-чыгыш бурчу"),
    "SE corner": ("юго-восточный угол", "түштүк-чыгыш бурчу"),
    "SW corner": ("юго-западный угол", "түштүк-батыш бурчу"),
    "north side": ("северная сторона", "түндүк тарабы"), "south side": ("южная сторона", "түштүк тарабы"),
}
_A363_END: dict[str, tuple[str, str]] = {
    "west entry": ("въезд с запада", "батыштан кире бериш"), "east exit": ("выезд на восток", "чыгышка чыга бериш"),
}

# Settlements on the A363 with cameras at their entry and exit.
_A363_CAMERA_SETTLEMENTS = ("Tamga", "Barskoon", "Ak-Terek", "Darkhan", "Saruu", "Kyzyl-Suu", "Orgochor")
_PILOT_BLOCK = (74.6300, 42.8830)  # centre of the camera-pilot apartment block, Sverdlovsky


@dataclass
class _Unit:
    """One boundary unit: its attributes and polygon (WGS84, and metric for sampling)."""

    name: str
    area: str
    district: str
    name_ru: str
    name_ky: str
    population: int
    poly_ll: Polygon
    poly_m: Polygon = Polygon()
    centre: tuple[float, float] | None = None  # metric; settlement centre where there is one
    label: str = ""  # place label in descriptions


@dataclass
class _Area:
    """A municipality: its local CRS, units, roads and named places."""

    code: str  # incident id prefix
    name: str
    crs: CRS
    units: list[_Unit]
    outline_m: Polygon
    to_m: Transformer
    to_ll: Transformer
    roads: list[tuple[str, str, str, float, LineString]] = field(default_factory=list)  # metric
    nodes: list[tuple[float, float, str]] = field(default_factory=list)  # junctions, metric
    places: list[tuple[str, float, float]] = field(default_factory=list)  # ru label, metric x, y
    homes: list[tuple[str, float, float]] = field(default_factory=list)  # residential places only


def _project(geom: shapely.Geometry, tr: Transformer) -> shapely.Geometry:
    def f(c: np.ndarray) -> np.ndarray:
        x, y = tr.transform(c[:, 0], c[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, f)


def _local(centre: tuple[float, float]) -> tuple[CRS, Transformer, Transformer]:
    """The UTM zone at a lon/lat centre and transformers to and from it."""
    crs = utm_crs(*centre)
    return (crs, Transformer.from_crs(WGS84, crs, always_xy=True),
            Transformer.from_crs(crs, WGS84, always_xy=True))


def _build_bishkek() -> _Area:
    crs, to_m, to_ll = _local((74.60, 42.87))
    outline = Polygon(_BISHKEK_OUTLINE)
    # Noding the outline with both dividers and polygonising gives four
    # faces that share their edges exactly: a tiling by construction.
    lines = shapely.union_all([outline.exterior, LineString(_CHUI_DIVIDER), LineString(_SOVETSKAYA_DIVIDER)])
    faces = [f for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
             if outline.contains(f.representative_point())]
    cross = (74.612, 42.876)
    by_quadrant: dict[tuple[int, int], Polygon] = {}
    for f in faces:
        p = f.representative_point()
        by_quadrant[(1 if p.x > cross[0] else -1, 1 if p.y > cross[1] else -1)] = f
    if len(faces) != 4 or len(by_quadrant) != 4:
        msg = f"Bishkek outline should split into 4 districts, got {len(faces)} faces"
        raise RuntimeError(msg)

    units: list[_Unit] = []
    kel_ll = Polygon(_KELECHEK_OUTLINE).intersection(by_quadrant[(1, 1)])
    for name, ru, ky, pop, quad, _rate in _BISHKEK_DISTRICTS:
        poly = by_quadrant[quad]
        if name == "Sverdlovsky":
            poly = poly.difference(kel_ll)
        units.append(_Unit(name, "Bishkek", name, ru, ky, pop, shapely.normalize(poly)))
    kname, kru, kky, kpop = _KELECHEK
    units.append(_Unit(kname, "Bishkek", "Sverdlovsky", kru, kky, kpop, shapely.normalize(kel_ll)))
    for u in units:
        u.poly_m = _project(u.poly_ll, to_m)
        u.label = u.name_ru

    area = _Area("BIS", "Bishkek", crs, units, _project(outline, to_m), to_m, to_ll)
    _add_roads(area, _BISHKEK_ROADS)
    for _, ru, lon, lat, *_ in _BISHKEK_HUBS:
        area.places.append((ru, *to_m.transform(lon, lat)))
    for _, ru, lon, lat, _ in _BISHKEK_RESIDENTIAL:
        area.places.append((ru, *to_m.transform(lon, lat)))
        area.homes.append(area.places[-1])
    return area


def _build_jeti_oguz() -> _Area:
    crs, to_m, to_ll = _local((78.15, 42.0))
    outline_ll = Polygon(_JETI_OGUZ_OUTLINE)
    outline_m = _project(outline_ll, to_m)
    pts = [Point(to_m.transform(s[3], s[4])) for s in JETI_OGUZ_SETTLEMENTS]
    # Each village owns the valley south of it: seed a column of Voronoi
    # points from the village down to the range (every ~2 km, closer than
    # the villages are to each other) and merge the column's cells, so the
    # territories run from the shore into the mountains as strips.
    seeds, owner = [], []
    y0 = outline_m.bounds[1] - _SEED_STEP_M
    for i, pt in enumerate(pts):
        # below the village the seeds sit on one northing grid shared by all
        # columns, so the strips' edges run straight north-south
        ys = np.arange(y0, pt.y - _SEED_STEP_M / 2, _SEED_STEP_M)[::-1]
        seeds += [pt] + [Point(pt.x, y) for y in ys]
        owner += [i] * (1 + len(ys))
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(seeds), extend_to=outline_m, ordered=True))
    owner_a = np.asarray(owner)
    strips = [shapely.union_all(cells[owner_a == i]).intersection(outline_m) for i in range(len(pts))]
    # drop the vertices left on straight edges by merging cells, keeping the
    # shared edges shared (a coverage simplification)
    strips = shapely.coverage_simplify(np.asarray(strips, dtype=object), 1.0, simplify_boundary=False)
    units = []
    for s, pt, poly_m in zip(JETI_OGUZ_SETTLEMENTS, pts, strips, strict=True):
        name, ru, ky, _lon, _lat, pop, _risk = s
        if poly_m.geom_type != "Polygon":
            msg = f"the territory of {name} is not one polygon ({poly_m.geom_type})"
            raise RuntimeError(msg)
        if not poly_m.contains(pt):
            msg = f"settlement {name} lies outside its own territory"
            raise RuntimeError(msg)
        poly_ll = shapely.normalize(_project(poly_m, to_ll))
        u = _Unit(name, "Jeti-Oguz", "Jeti-Oguz", ru, ky, pop, poly_ll)
        u.poly_m = _project(poly_ll, to_m)
        u.centre = (pt.x, pt.y)
        u.label = f"с. {ru}"
        units.append(u)
    area = _Area("JOG", "Jeti-Oguz", crs, units, outline_m, to_m, to_ll)
    _add_roads(area, _JETI_OGUZ_ROADS)
    for u in units:
        area.places.append((u.label, *u.centre))
    area.homes = list(area.places)
    for _, ru, lon, lat, *_ in _JETI_OGUZ_HUBS:
        area.places.append((ru, *to_m.transform(lon, lat)))
    return area


def _add_roads(area: _Area, roads: Sequence[tuple[str, str, str, float, list[tuple[float, float]]]]) -> None:
    for name, ru, cls, speed, coords in roads:
        area.roads.append((name, ru, cls, speed, _project(LineString(coords), area.to_m)))
    # Junctions: where two roads meet, for the extra crashes there.
    for i, a in enumerate(area.roads):
        for b in area.roads[i + 1:]:
            inter = a[4].intersection(b[4].buffer(1.0))
            if inter.is_empty:
                continue
            for part in shapely.get_parts(inter):
                c = part.centroid
                area.nodes.append((c.x, c.y, f"перекрёсток: {a[1]} / {b[1]}"))


def _boundaries(areas: Sequence[_Area]) -> gpd.GeoDataFrame:
    units = [u for a in areas for u in a.units]
    # each settlement's own code, as a registry's boundaries carry one (the area's code and its number)
    codes = [f"{a.code}-{i:02d}" for a in areas for i in range(1, len(a.units) + 1)]
    return gpd.GeoDataFrame(
        {
            "name": [u.name for u in units],
            "unit_id": codes,
            "population": [u.population for u in units],
            "area": [u.area for u in units],
            "district": [u.district for u in units],
            "name_ru": [u.name_ru for u in units],
            "name_ky": [u.name_ky for u in units],
            "area_ru": [_AREA_NAMES[u.area][0] for u in units],
            "area_ky": [_AREA_NAMES[u.area][1] for u in units],
        },
        geometry=[u.poly_ll for u in units],
        crs=WGS84,
    )


def _roads(areas: Sequence[_Area]) -> gpd.GeoDataFrame:
    rows = [(r[0], r[2], r[3], _project(r[4], a.to_ll), r[1]) for a in areas for r in a.roads]
    return gpd.GeoDataFrame(
        {"name": [r[0] for r in rows], "road_class": [r[1] for r in rows],
         "speed_kmh": [float(r[2]) for r in rows],
         # "дорога на Дордой" -> "Дорога на Дордой"; abbreviations ("пр. Чуй", "ж/м") stay lower case
         "name_ru": [r[4] if r[4].split()[0].endswith(".") or "/" in r[4].split()[0] else r[4][:1].upper() + r[4][1:]
                     for r in rows],
         "name_ky": [_ROAD_NAMES_KY[r[0]] for r in rows]},
        geometry=[r[3] for r in rows],
        crs=WGS84,
    )


def _stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": [s[0] for s in _STATIONS],
            "kind": [s[1] for s in _STATIONS],
            "opened": pd.to_datetime([s[2] for s in _STATIONS]),
            "address": [s[3] for s in _STATIONS],
            "name_ru": [_STATION_NAMES[s[0]][0] for s in _STATIONS],
            "name_ky": [_STATION_NAMES[s[0]][1] for s in _STATIONS],
        },
        geometry=gpd.points_from_xy([s[4] for s in _STATIONS], [s[5] for s in _STATIONS]),
        crs=WGS84,
    )


def _bearing(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    az, _, _ = _GEOD.inv(lon1, lat1, lon2, lat2)
    return round(az % 360.0, 1)


def _cameras(jog: _Area, bis: _Area) -> gpd.GeoDataFrame:
    rows: list[tuple[str, float, float, float, str | None, float, float, str, str]] = []
    a363 = jog.roads[0][4]
    for i, name in enumerate(_A363_CAMERA_SETTLEMENTS):
        s = next(s for s in JETI_OGUZ_SETTLEMENTS if s[0] == name)
        ru, ky = s[1], s[2]
        d0 = a363.project(Point(jog.to_m.transform(s[3], s[4])))
        # one camera at each end of the village, looking out along the road at
        # the traffic coming in
        for end, sign in (("west entry", -1.0), ("east exit", 1.0)):
            d = d0 + sign * 900.0
            p, q = a363.interpolate(d), a363.interpolate(d + sign * 20.0)
            lon, lat = jog.to_ll.transform(p.x, p.y)
            lon2, lat2 = jog.to_ll.transform(q.x, q.y)
            rng_m = 150.0 + 25.0 * ((2 * i + (sign > 0)) % 5)
            end_ru, end_ky = _A363_END[end]
            rows.append((f"A363 {name} {end}", _bearing(lon, lat, lon2, lat2), 60.0, rng_m,
                         f"2017-11-{1 + 3 * i:02d}", lon, lat, f"А363, {ru}: {end_ru}", f"А363, {ky}: {end_ky}"))
    # pilot: six cameras round one apartment block, 120 m by 50 m
    bx, by = bis.to_m.transform(*_PILOT_BLOCK)
    pilot = [
        ("NW corner", -63, 28, 90.0), ("NE corner", 63, 28, 180.0), ("SE corner", 63, -28, 270.0),
        ("SW corner", -63, -28, 0.0), ("north side", 0, 28, 0.0), ("south side", 0, -28, 180.0),
    ]
    for j, (where, dx, dy, direction) in enumerate(pilot, 1):
        lon, lat = bis.to_ll.transform(bx + dx, by + dy)
        where_ru, where_ky = _PILOT_WHERE[where]
        rows.append((f"Pilot block camera {j} ({where})", direction, 90.0, 80.0, "2017-06-01", lon, lat,
                     f"Пилотный квартал, камера {j} ({where_ru})", f"Пилоттук квартал, {j}-камера ({where_ky})"))
    # dome cameras see all round: no direction, no field of view
    rows.append(("Ala-Too square dome camera", np.nan, np.nan, 60.0, None, 74.6038, 42.8768,
                 "Купольная камера, площадь Ала-Тоо", "Ала-Тоо аянтындагы куполдук камера"))
    rows.append(("Kyzyl-Suu bazaar dome camera", np.nan, np.nan, 60.0, None, 78.0032, 42.3432,
                 "Купольная камера, рынок с. Кызыл-Суу", "Кызыл-Суу базарындагы куполдук камера"))
    return gpd.GeoDataFrame(
        {
            "name": [r[0] for r in rows],
            "direction_deg": [r[1] for r in rows],
            "fov_deg": [r[2] for r in rows],
            "range_m": [r[3] for r in rows],
            "installed": pd.to_datetime([r[4] for r in rows]),
            "name_ru": [r[7] for r in rows],
            "name_ky": [r[8] for r in rows],
        },
        geometry=gpd.points_from_xy([r[5] for r in rows], [r[6] for r in rows]),
        crs=WGS84,
    )
