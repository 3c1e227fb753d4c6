"""The demo's incidents: how many, of which kind, where and when, drawn from a seeded generator.

Counts follow published rates per unit and year (Sverdlovsky district's
2016 rate exactly). Each category has its own spatial model per unit (markets
and bus stations, roads and junctions, residential micro-districts, schools,
mountain pastures) and its own hour, weekday and month profile. The order of
the draws is part of the data: the same seed gives the same incidents, so
anything that changes the order of calls on a generator changes the demo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from geo.crs import WGS84
from geo.demo.places import (
    _BISHKEK_DISTRICTS,
    _BISHKEK_HUBS,
    _BISHKEK_RESIDENTIAL,
    _JETI_OGUZ_HUBS,
    _KELECHEK,
    JETI_OGUZ_SETTLEMENTS,
    SVERDLOVSKY_RATE_2016,
    _Area,
    _Unit,
)
from geo.demo.patterns import burglary_patterns
from geo.categories import PLAN_CATEGORIES as CATEGORIES  # the demo's eight, not the whole default list

__all__ = ["YEARS"]

YEARS: tuple[int, ...] = (2016, 2017, 2018)

EDGE_M = 2.0  # metres: no incident is drawn this close to its settlement's edge (_sample_points)
_KELECHEK_RISK = 1.3  # Kelechek's rate relative to the rest of Sverdlovsky district
_JETI_OGUZ_RATE = 780.0  # registered crimes per 100,000 a year before the relative rate

_YEAR_FACTOR = {2016: 1.00, 2017: 1.02, 2018: 1.03}  # a mild upward trend

# Incident category mix per area (unnormalised); see _category_probs for tweaks.
_MIX = {
    "BIS": {"public_order": 30.0, "burglary": 22.0, "road_traffic": 12.0, "juvenile": 7.0,
            "livestock_theft": 0.25, "domestic_violence": 10.0, "extremism": 0.3, "other": 18.5},
    "JOG": {"public_order": 15.0, "burglary": 13.0, "road_traffic": 13.0, "juvenile": 8.0,
            "livestock_theft": 22.0, "domestic_violence": 17.0, "extremism": 1.0, "other": 11.0},
}

# Time profiles. Hours 0-23, weekdays Monday-Sunday, months January-December.
_HOURS = {
    "public_order": [7, 5, 4, 3, 2, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5, 6, 7, 9, 11, 12, 10],
    "burglary": [3, 4, 4, 3, 2, 1, 1, 1, 2, 4, 6, 7, 7, 7, 7, 6, 5, 4, 3, 3, 2, 2, 2, 2],
    "road_traffic": [2, 1, 1, 1, 1, 2, 4, 8, 9, 6, 4, 4, 5, 5, 5, 6, 8, 10, 9, 6, 4, 3, 3, 2],
    "juvenile": [1, 1, .5, .5, .5, .5, .5, 1, 1, 1, 2, 2, 3, 4, 6, 7, 8, 8, 7, 6, 4, 3, 2, 1],
    "livestock_theft": [8, 9, 9, 9, 8, 6, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 6, 7],
    "domestic_violence": [5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4, 6, 8, 9, 9, 8, 7],
    "extremism": [1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1],
    "other": [2, 1, 1, 1, 1, 1, 2, 3, 4, 6, 7, 7, 7, 7, 7, 7, 6, 6, 5, 5, 4, 3, 3, 2],
}
_WEEKDAYS = {
    "public_order": [.85, .85, .85, .9, 1.15, 1.5, 1.35],
    "burglary": [1.1, 1.1, 1.1, 1.1, 1.05, .8, .75],
    "road_traffic": [1, 1, 1, 1, 1.2, 1.05, .9],
    "juvenile": [1.1, 1.1, 1.1, 1.1, 1.1, .8, .7],
    "livestock_theft": [1, 1, 1, 1, 1, 1, 1],
    "domestic_violence": [.9, .85, .85, .9, 1, 1.3, 1.4],
    "extremism": [1, 1, 1, 1, 1, .9, .9],
    "other": [1.1, 1.1, 1.1, 1.1, 1.05, .8, .75],
}
_MONTHS = {
    "public_order": [.85, .85, .95, 1, 1.05, 1.1, 1.15, 1.15, 1.05, 1, .95, 1],
    "burglary": [1.35, 1.15, 1, .9, .9, .85, .85, .9, .9, 1, 1.1, 1.35],
    "road_traffic": [.8, .8, .9, 1, 1.1, 1.3, 1.4, 1.4, 1.2, 1, .9, .9],
    "juvenile": [.9, .9, 1, 1, 1.1, 1.2, 1.1, 1, 1, 1, .9, .9],
    "livestock_theft": [.3, .3, .5, .8, 1.2, 1.6, 1.9, 2, 1.9, 1.6, .8, .4],
    "domestic_violence": [1.1, 1, 1, .95, .95, .95, .95, .95, .95, 1, 1.05, 1.15],
    "extremism": [1] * 12,
    "other": [1] * 12,
}
_HOME_CATEGORIES = ("burglary", "domestic_violence", "juvenile")

# Public holidays (month, day) when flats stand empty: burglary rises.
_HOLIDAYS = [(1, d) for d in range(1, 8)] + [(2, 23), (3, 8), (3, 21), (5, 1), (5, 5), (5, 9),
                                              (8, 31), (11, 7), (11, 8), (12, 31)]

# Registry wording: (description, raw_category, weight) per category.
_TEMPLATES: dict[str, list[tuple[str, str, float]]] = {
    "public_order": [
        ("Хулиганство: драка в общественном месте", "Хулиганство (ст. 234 УК КР)", 4),
        ("Хулиганство в состоянии опьянения", "Хулиганство (ст. 234 УК КР)", 2),
        ("Грабёж: открытое хищение мобильного телефона", "Грабеж (ст. 167 УК КР)", 2),
        ("Разбойное нападение на прохожего", "Разбой (ст. 168 УК КР)", 0.5),
        ("Карманная кража в толпе", "Кража (ст. 164 УК КР)", 2),
    ],
    "burglary": [
        ("Кража имущества из квартиры", "Кража (ст. 164 УК КР)", 4),
        ("Кража из частного дома", "Кража (ст. 164 УК КР)", 3),
        ("Квартирная кража с проникновением через окно", "Кража (ст. 164 УК КР)", 1),
        ("Кража из подвала многоквартирного дома", "Кража (ст. 164 УК КР)", 1),
    ],
    "road_traffic": [
        ("ДТП: наезд на пешехода", "ДТП с пострадавшими", 3),
        ("ДТП: столкновение двух автомобилей", "ДТП с пострадавшими", 4),
        ("ДТП: опрокидывание автомобиля", "ДТП с пострадавшими", 1),
        ("Оставление места ДТП", "ДТП, оставление места происшествия", 1),
    ],
    "juvenile": [
        ("Драка между подростками", "Хулиганство (ст. 234 УК КР), несовершеннолетние", 3),
        ("Кража, совершённая несовершеннолетними", "Кража (ст. 164 УК КР), несовершеннолетние", 3),
        ("Вымогательство денег у школьников", "Вымогательство, несовершеннолетние", 1),
    ],
    "livestock_theft": [
        ("Кража овец с пастбища", "Кража скота (ст. 164 УК КР)", 4),
        ("Кража лошадей с летнего пастбища", "Кража скота (ст. 164 УК КР)", 2),
        ("Кража крупного рогатого скота", "Кража скота (ст. 164 УК КР)", 2),
    ],
    "domestic_violence": [
        ("Семейное насилие: выдан временный охранный ордер", "Семейное насилие", 4),
        ("Побои в семье", "Семейное насилие", 3),
        ("Угроза убийством в отношении супруги", "Угроза убийством (ст. 113 УК КР)", 1),
    ],
    "extremism": [
        ("Распространение материалов экстремистского содержания", "Экстремистские материалы", 2),
        ("Хранение экстремистской литературы", "Экстремистские материалы", 1),
    ],
    "other": [
        ("Мошенничество при продаже товара", "Мошенничество (ст. 166 УК КР)", 3),
        ("Незаконное хранение наркотических средств", "Незаконный оборот наркотиков", 2),
        ("Кража автомобиля", "Кража (ст. 164 УК КР)", 1),
        ("Повреждение чужого имущества", "Умышленное повреждение имущества", 1),
    ],
}


@dataclass
class _Model:
    """Where one category's incidents fall within one unit (metric).

    A mixture of Gaussian clusters and a uniform background over ``region``;
    road models instead draw along ``lines`` and around ``nodes``.
    """

    cx: np.ndarray
    cy: np.ndarray
    sd: np.ndarray
    w: np.ndarray  # cluster weights, summing to 1 - bg
    bg: float
    region: Polygon
    lines: list[LineString] = field(default_factory=list)
    line_w: np.ndarray | None = None
    line_labels: list[str] = field(default_factory=list)
    node_share: float = 0.0
    label: str = ""  # fixed place label for every point, if set


# --------------------------------------------------------------------------
# Spatial models
# --------------------------------------------------------------------------


def _near(unit: _Unit, xs: np.ndarray, ys: np.ndarray, within: float) -> np.ndarray:
    """Which points lie in the unit or within ``within`` metres of it."""
    return shapely.contains_xy(unit.poly_m.buffer(within), xs, ys)


def _mixture(cx: Sequence[float], cy: Sequence[float], sd: Sequence[float], w: Sequence[float],
             bg: float, region: Polygon, label: str = "") -> _Model:
    cx_a, cy_a, sd_a, w_a = (np.asarray(v, dtype=float) for v in (cx, cy, sd, w))
    if len(w_a) == 0:
        bg = 1.0
    else:
        w_a = w_a / w_a.sum() * (1.0 - bg)
    return _Model(cx_a, cy_a, sd_a, w_a, bg, region, label=label)


def _road_model(area: _Area, unit: _Unit) -> _Model:
    clip = unit.poly_m.buffer(40.0)
    lines, weights, labels = [], [], []
    class_w = {"motorway": 1.5, "primary": 1.5, "secondary": 1.0, "tertiary": 0.7, "residential": 0.4}
    for _name, ru, cls, _speed, line in area.roads:
        for part in shapely.get_parts(line.intersection(clip)):
            if part.geom_type == "LineString" and part.length > 1.0:
                lines.append(part)
                weights.append(part.length * class_w[cls])
                labels.append(ru)
    if not lines:  # no road through the unit: crashes fall anywhere in it
        return _mixture([], [], [], [], 1.0, unit.poly_m)
    nodes = [(x, y, lab) for x, y, lab in area.nodes if clip.contains(Point(x, y))]
    m = _mixture([n[0] for n in nodes], [n[1] for n in nodes], [25.0] * len(nodes), [1.0] * len(nodes),
                 0.0, unit.poly_m)
    m.lines, m.line_labels = lines, labels + [n[2] for n in nodes]
    m.line_w = np.asarray(weights) / np.sum(weights)
    m.node_share = 0.25 if nodes else 0.0
    return m


def _models(area: _Area, georng: np.random.Generator) -> dict[tuple[str, str], _Model]:
    """One model per (unit, category); georng fixes schools and pastures."""
    out: dict[tuple[str, str], _Model] = {}
    if area.code == "BIS":
        hubs = np.array([(*area.to_m.transform(h[2], h[3]), h[4], h[5]) for h in _BISHKEK_HUBS])
        res = np.array([(*area.to_m.transform(r[2], r[3]), r[4]) for r in _BISHKEK_RESIDENTIAL])
        # Within 1.5 km of the city edge: the only place for livestock.
        ring = area.outline_m.difference(area.outline_m.buffer(-1500.0))
        for u in area.units:
            hk = _near(u, hubs[:, 0], hubs[:, 1], 300.0)
            rk = _near(u, res[:, 0], res[:, 1], 300.0)
            if not hk.any():  # a unit without a hub: its own centre is the hot spot
                p = u.poly_m.representative_point()
                hubs_u = np.array([[p.x, p.y, 1.0, 400.0]])
            else:
                hubs_u = hubs[hk]
            res_u = res[rk] if rk.any() else hubs_u[:, [0, 1, 3]]
            n_schools = max(3, u.population // 10_000)
            sx, sy = _uniform_in(u.poly_m, n_schools, georng)
            livestock = u.poly_m.intersection(ring)
            if livestock.area < 1e5:
                livestock = u.poly_m
            out[(u.name, "public_order")] = _mixture(hubs_u[:, 0], hubs_u[:, 1], hubs_u[:, 3], hubs_u[:, 2],
                                                     0.35, u.poly_m)
            out[(u.name, "burglary")] = _mixture(res_u[:, 0], res_u[:, 1], res_u[:, 2], np.ones(len(res_u)),
                                                 0.55, u.poly_m)
            out[(u.name, "domestic_violence")] = _mixture(res_u[:, 0], res_u[:, 1], res_u[:, 2] * 1.2,
                                                          np.ones(len(res_u)), 0.5, u.poly_m)
            out[(u.name, "juvenile")] = _mixture(sx, sy, np.full(len(sx), 200.0), np.ones(len(sx)), 0.3, u.poly_m)
            out[(u.name, "extremism")] = _mixture([], [], [], [], 1.0, u.poly_m)
            out[(u.name, "livestock_theft")] = _mixture([], [], [], [], 1.0, livestock)
            both = np.vstack([hubs_u[:, [0, 1, 3]], res_u])
            out[(u.name, "other")] = _mixture(both[:, 0], both[:, 1], both[:, 2], np.ones(len(both)), 0.5, u.poly_m)
            out[(u.name, "road_traffic")] = _road_model(area, u)
        return out

    hubs = np.array([(*area.to_m.transform(h[2], h[3]), h[4], h[5]) for h in _JETI_OGUZ_HUBS])
    for u in area.units:
        assert u.centre is not None
        x0, y0 = u.centre
        hk = shapely.contains_xy(u.poly_m, hubs[:, 0], hubs[:, 1])
        po = np.vstack([[x0, y0, 3.0, 350.0], hubs[hk]])
        # Schools: two near each village centre.
        sx, sy = x0 + georng.normal(0, 400, 2), y0 + georng.normal(0, 400, 2)
        # Pastures: the unit's mountain valleys 7-30 km south of the village.
        pasture = (u.poly_m.intersection(Point(x0, y0).buffer(30_000).difference(Point(x0, y0).buffer(7_000)))
                   .intersection(box(x0 - 40_000, y0 - 60_000, x0 + 40_000, y0 - 3_000)))
        if pasture.area < 1e6:
            pasture = u.poly_m.difference(Point(x0, y0).buffer(7_000))
        px, py = _uniform_in(pasture, 3, georng)
        centre = ([x0], [y0])
        out[(u.name, "public_order")] = _mixture(po[:, 0], po[:, 1], po[:, 3], po[:, 2], 0.0, u.poly_m)
        out[(u.name, "burglary")] = _mixture(*centre, [900.0], [1.0], 0.0, u.poly_m)
        out[(u.name, "domestic_violence")] = _mixture(*centre, [800.0], [1.0], 0.0, u.poly_m)
        out[(u.name, "juvenile")] = _mixture(sx, sy, [200.0, 200.0], [1.0, 1.0], 0.0, u.poly_m)
        out[(u.name, "extremism")] = _mixture(*centre, [600.0], [1.0], 0.0, u.poly_m)
        out[(u.name, "other")] = _mixture(*centre, [1200.0], [1.0], 0.0, u.poly_m)
        out[(u.name, "livestock_theft")] = _mixture(px, py, [2500.0] * 3, [1.0] * 3, 0.2, pasture,
                                                    label=f"пастбище выше {u.label}")
        out[(u.name, "road_traffic")] = _road_model(area, u)
    return out


def _uniform_in(poly: shapely.Geometry, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n uniform points in a polygon: bulk draws in its bounding box, keep the hits."""
    xs, ys = [], []
    if n <= 0:
        return np.empty(0), np.empty(0)
    minx, miny, maxx, maxy = poly.bounds
    fill = max(poly.area / ((maxx - minx) * (maxy - miny)), 0.01)
    shapely.prepare(poly)
    need = n
    while need > 0:
        m = int(need / fill * 1.3) + 16
        x, y = rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)
        ok = shapely.contains_xy(poly, x, y)
        xs.append(x[ok][:need])
        ys.append(y[ok][:need])
        need -= len(xs[-1])
    return np.concatenate(xs), np.concatenate(ys)


def _propose(m: _Model, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n candidate points (metric) and a label index (-1: label by nearest place)."""
    x, y = np.empty(n), np.empty(n)
    lab = np.full(n, -1, dtype=np.int64)
    if m.lines:
        on_node = rng.random(n) < m.node_share
        k = int((~on_node).sum())
        li = rng.choice(len(m.lines), size=k, p=m.line_w)
        lengths = np.array([ln.length for ln in m.lines])
        pts = shapely.line_interpolate_point(np.asarray(m.lines, dtype=object)[li], rng.random(k) * lengths[li])
        xy = shapely.get_coordinates(pts)
        # perpendicular scatter of ~15 m: the crash site is on the carriageway or kerb
        x[~on_node] = xy[:, 0] + rng.normal(0, 15.0, k)
        y[~on_node] = xy[:, 1] + rng.normal(0, 15.0, k)
        lab[~on_node] = li
        j = int(on_node.sum())
        if j:
            ci = rng.choice(len(m.cx), size=j, p=m.w / m.w.sum())
            x[on_node] = m.cx[ci] + rng.normal(0, 1, j) * m.sd[ci]
            y[on_node] = m.cy[ci] + rng.normal(0, 1, j) * m.sd[ci]
            lab[on_node] = len(m.lines) + ci
        return x, y, lab
    is_bg = rng.random(n) < m.bg
    k = int(is_bg.sum())
    if k:
        x[is_bg], y[is_bg] = _uniform_in(m.region, k, rng)
    j = n - k
    if j:
        ci = rng.choice(len(m.cx), size=j, p=m.w / m.w.sum())
        x[~is_bg] = m.cx[ci] + rng.normal(0, 1, j) * m.sd[ci]
        y[~is_bg] = m.cy[ci] + rng.normal(0, 1, j) * m.sd[ci]
    return x, y, lab


def _off_the_edges(df: pd.DataFrame, area: _Area) -> pd.DataFrame:
    """``df`` with each point closer than :data:`EDGE_M` to its settlement's edge moved just inside it.

    The platform tests point in polygon in a metric CRS, where an edge straight in degrees bows by centimetres:
    a point drawn on a boundary road could be counted in the neighbouring settlement, and the calibrated counts
    (Sverdlovsky's 1,341 per 100,000 in 2016) would drift. Done after the draws, so they stay as they were.
    """
    df = df.copy()
    for u in area.units:
        rows = np.flatnonzero((df["unit"] == u.name).to_numpy())
        if len(rows) == 0:
            continue
        x, y = area.to_m.transform(df["lon"].to_numpy()[rows], df["lat"].to_numpy()[rows])
        pts = shapely.points(np.asarray(x), np.asarray(y))
        near = shapely.dwithin(u.poly_m.boundary, pts, EDGE_M)
        if not near.any():
            continue
        inner = u.poly_m.buffer(-2 * EDGE_M)
        moved = shapely.get_coordinates(shapely.shortest_line(pts[near], inner))[1::2]
        lon, lat = area.to_ll.transform(moved[:, 0], moved[:, 1])
        df.loc[df.index[rows[near]], "lon"] = lon
        df.loc[df.index[rows[near]], "lat"] = lat
    return df


def _sample_points(area: _Area, unit: _Unit, m: _Model, n: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n points in the unit, tested in WGS84 (as delivered) so none strays across an edge."""
    lon_out, lat_out, lab_out = [], [], []
    shapely.prepare(unit.poly_ll)
    need, rounds = n, 0
    while need > 0:
        rounds += 1
        if rounds > 200:  # a model whose mass lies outside its unit: fail loudly, not hang
            msg = f"cannot place points in {unit.name}; the spatial model lies outside it"
            raise RuntimeError(msg)
        x, y, lab = _propose(m, int(need * 1.25) + 8, rng)
        lon, lat = area.to_ll.transform(x, y)
        ok = shapely.contains_xy(unit.poly_ll, lon, lat)
        lon_out.append(lon[ok][:need])
        lat_out.append(lat[ok][:need])
        lab_out.append(lab[ok][:need])
        need -= len(lon_out[-1])
    return np.concatenate(lon_out), np.concatenate(lat_out), np.concatenate(lab_out)


# --------------------------------------------------------------------------
# Volumes and times
# --------------------------------------------------------------------------


def _counts(area: _Area, scale: float) -> dict[tuple[str, int], int]:
    """Incidents per (unit, year); Sverdlovsky district's 2016 total is exact."""
    out: dict[tuple[str, int], int] = {}
    for year in YEARS:
        f = _YEAR_FACTOR[year]
        if area.code == "BIS":
            for name, _ru, _ky, pop, _q, rate in _BISHKEK_DISTRICTS:
                if name != "Sverdlovsky":
                    out[(name, year)] = round(rate * pop / 100_000 * scale * f)
                    continue
                kpop = _KELECHEK[3]
                dpop = pop + kpop
                total = round(SVERDLOVSKY_RATE_2016 * dpop / 100_000 * scale * f)
                kel = round(total * kpop * _KELECHEK_RISK / (pop + kpop * _KELECHEK_RISK))
                out[(name, year)] = total - kel
                out[(_KELECHEK[0], year)] = kel
        else:
            for s in JETI_OGUZ_SETTLEMENTS:
                out[(s[0], year)] = round(_JETI_OGUZ_RATE * s[6] * s[5] / 100_000 * scale * f)
    return out


def _category_probs(area: _Area, unit: _Unit) -> np.ndarray:
    mix = dict(_MIX[area.code])
    if area.code == "BIS":
        if unit.name == "Pervomaysky":  # city centre: no pastures, more crowds
            mix["livestock_theft"] = 0.0
            mix["public_order"] *= 1.2
        if unit.name in ("Sverdlovsky", "Kelechek"):  # Dordoi bazaar, new estates
            mix["public_order"] *= 1.2
            mix["burglary"] *= 1.1
    p = np.array([mix[c] for c in CATEGORIES], dtype=float)
    return p / p.sum()


def _holiday_mask(days: pd.DatetimeIndex) -> np.ndarray:
    md = days.month * 100 + days.day
    return np.isin(md, [m * 100 + d for m, d in _HOLIDAYS])


def _times(category: str, year: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """n naive local datetimes following the category's hour, weekday and month profiles."""
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    w = (np.asarray(_MONTHS[category])[days.month - 1]
         * np.asarray(_WEEKDAYS[category])[days.day_of_week])
    if category == "burglary":
        w = w * np.where(_holiday_mask(days), 1.6, 1.0)
    d = rng.choice(len(days), size=n, p=w / w.sum())
    hp = np.asarray(_HOURS[category], dtype=float)
    h = rng.choice(24, size=n, p=hp / hp.sum())
    minute = rng.integers(0, 60, size=n)
    base = days.to_numpy().astype("datetime64[s]")[d]
    return base + (h * 3600 + minute * 60).astype("timedelta64[s]")


# --------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------


def _incidents(areas: Sequence[_Area], scale: float, seed: int, georng: np.random.Generator) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    tmpl = {c: _TEMPLATES[c] for c in CATEGORIES}
    parts: list[pd.DataFrame] = []
    for area in areas:
        first_part = len(parts)
        models = _models(area, georng)
        counts = _counts(area, scale)
        # residential crimes are labelled by the nearest micro-district, the
        # rest by the nearest place of any kind (markets, stations too)
        named = {kind: (np.array([(p[1], p[2]) for p in places]), np.array([p[0] for p in places], dtype=object))
                 for kind, places in (("any", area.places), ("home", area.homes))}
        for u in area.units:
            p = _category_probs(area, u)
            # categories per year; location does not depend on the year, so
            # each (unit, category) is placed in one bulk draw
            per_year = {y: rng.multinomial(counts[(u.name, y)], p) for y in YEARS}
            for ci, cat in enumerate(CATEGORIES):
                n_y = [int(per_year[y][ci]) for y in YEARS]
                n = sum(n_y)
                if n == 0:
                    continue
                m = models[(u.name, cat)]
                lon, lat, lab = _sample_points(area, u, m, n, rng)
                when = np.concatenate([_times(cat, y, k, rng) for y, k in zip(YEARS, n_y, strict=True)])
                year = np.repeat(np.array(YEARS), n_y)
                # place label: the road drawn on, the model's own, or the nearest named place
                if m.label:
                    place = np.full(n, m.label, dtype=object)
                else:
                    place_xy, place_lab = named["home" if cat in _HOME_CATEGORIES else "any"]
                    x, y = area.to_m.transform(lon, lat)
                    d2 = (x[:, None] - place_xy[None, :, 0]) ** 2 + (y[:, None] - place_xy[None, :, 1]) ** 2
                    place = place_lab[d2.argmin(axis=1)]
                    if m.lines:
                        road_lab = np.asarray(m.line_labels, dtype=object)
                        place = np.where(lab >= 0, road_lab[np.maximum(lab, 0)], place)
                ti = rng.choice(len(tmpl[cat]), size=n, p=_norm([t[2] for t in tmpl[cat]]))
                text = np.array([t[0] for t in tmpl[cat]], dtype=object)[ti]
                raw = np.array([t[1] for t in tmpl[cat]], dtype=object)[ti]
                parts.append(pd.DataFrame({
                    "code": area.code, "year": year, "occurred_at": when, "category": cat,
                    "description": text + ", " + place, "raw_category": raw, "lon": lon, "lat": lat,
                    "unit": u.name,
                }))
        # an emerging burglary area and near repeats, by moving burglaries (every count stays as drawn)
        drawn = pd.concat(parts[first_part:], ignore_index=True)
        moved = burglary_patterns(drawn, units={u.name: u.poly_m for u in area.units}, to_m=area.to_m,
                                  to_ll=area.to_ll, code=area.code, seed=seed)
        # the moves test their settlement in metres; a point a hair from an edge can cross it on the way to
        # WGS84, as delivered: it stays where it was drawn, so every settlement's count stays exact
        for u in area.units:
            mine = (moved["unit"] == u.name).to_numpy()
            out = mine & ~shapely.contains_xy(u.poly_ll, moved["lon"].to_numpy(), moved["lat"].to_numpy())
            moved.loc[out, ["lon", "lat", "description"]] = drawn.loc[out, ["lon", "lat", "description"]]
        parts[first_part:] = [_off_the_edges(moved, area)]
    df = pd.concat(parts, ignore_index=True)
    # registry numbers run in time order within each area and year
    df = df.sort_values(["code", "year", "occurred_at"], kind="stable", ignore_index=True)
    seq = df.groupby(["code", "year"], sort=False).cumcount().to_numpy() + 1
    df["id"] = (df["code"] + "-" + df["year"].astype(str) + "-"
                + pd.Series(seq).astype(str).str.zfill(6))
    df = df.sort_values(["occurred_at", "id"], kind="stable", ignore_index=True)
    return gpd.GeoDataFrame(
        {
            "id": df["id"],
            "occurred_at": df["occurred_at"].astype("datetime64[ms]"),
            "category": df["category"],
            "description": df["description"],
            "raw_category": df["raw_category"],
            "weight": 1.0,
        },
        geometry=gpd.points_from_xy(df["lon"], df["lat"]),
        crs=WGS84,
    )


def _norm(w: Sequence[float]) -> np.ndarray:
    a = np.asarray(w, dtype=float)
    return a / a.sum()
