"""Two burglary patterns in the demo's years, for the emerging hot spots and the near-repeat pages to find.

* **An emerging area.** Ak-Ordo, a housing estate (жилмассив) built on Bishkek's north-western edge: from
  the middle of 2017 a growing share of its district's burglaries happens within a few hundred metres of
  its centre, and none before (the few drawn there are drawn elsewhere in the district). Emerging Hot Spot Analysis should call its cells new, consecutive or
  intensifying, and no cell of it persistent.
* **Near repeats.** After a burglary, the homes around it are at risk for a few days (Townsley, Homel &
  Chaseling 2003; Johnson & Bowers 2004): a share of the burglaries are followed by another one within
  a few hundred metres and two weeks. The Knox test should find more pairs than chance close in space
  and time, and none beyond.

Both move incidents, they never add or remove one: each moved burglary keeps its settlement (a move out of
it is not made), its year and its month for the emerging area, so every count per settlement, category and
year, and every rate (Sverdlovsky's 1,341 per 100,000 in 2016 among them), stays what the model drew. The
draws use their own generator, so the rest of the demo is the same incidents as without them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

__all__ = ["EMERGING_PLACE", "burglary_patterns"]

# the new estate: (English name, label in descriptions, lon, lat), a place of geo.demo.places
EMERGING_PLACE = ("Ak-Ordo", "ж/м Ак-Ордо", 74.555, 42.912)
_EMERGING_RADIUS = 300.0  # metres round the estate's centre (sd of the draw)
_EMERGING_CLEAR = 900.0  # metres round the centre with no burglary before the estate was lived in
_EMERGING_FROM = pd.Timestamp("2017-07-01")
_EMERGING_SHARE = (0.12, 0.35)  # of the district's burglaries of a month: first month, last month of the data
_REPEAT_SHARE = 0.15  # of the burglaries: followed by a near repeat
_REPEAT_METRES = 200.0  # the repeat lies within this distance of the first burglary ...
_REPEAT_DAYS = 14  # ... and 1 to this many days after it


def burglary_patterns(df: pd.DataFrame, *, units: dict[str, shapely.Geometry], to_m, to_ll,  # noqa: ANN001
                      code: str, seed: int) -> pd.DataFrame:
    """``df`` (one area's drawn incidents: ``unit``, ``category``, ``occurred_at``, ``year``, ``lon``, ``lat``,
    ``description``) with the two patterns drawn in by moving burglaries; ``units`` are the metric polygons
    by name, ``to_m`` and ``to_ll`` the area's transformers, ``code`` the area's incident prefix (the emerging
    estate is in Bishkek, ``"BIS"``)."""
    rng = np.random.default_rng(seed + 0x5EED)
    df = df.copy()
    x, y = to_m.transform(df["lon"].to_numpy(), df["lat"].to_numpy())
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    moved = np.zeros(len(df), dtype=bool)
    burglary = (df["category"] == "burglary").to_numpy()
    when = pd.to_datetime(df["occurred_at"])
    if code == "BIS":
        ex, ey = to_m.transform(EMERGING_PLACE[2], EMERGING_PLACE[3])
        home = next((name for name, poly in units.items() if poly.contains(shapely.Point(ex, ey))), None)
        if home is not None:
            # before the estate was lived in, its few burglaries are drawn elsewhere in the district: the area
            # is new, not a hot spot grown hotter
            unit_burglary = burglary & (df["unit"] == home).to_numpy()
            near = np.hypot(x - ex, y - ey) < _EMERGING_CLEAR
            early = np.flatnonzero(unit_burglary & near & (when < _EMERGING_FROM).to_numpy())
            elsewhere = np.flatnonzero(unit_burglary & (np.hypot(x - ex, y - ey) > 2 * _EMERGING_CLEAR))
            if len(early) and len(elsewhere):
                to = rng.choice(elsewhere, len(early))
                x[early] = x[to] + rng.normal(0.0, 50.0, len(early))
                y[early] = y[to] + rng.normal(0.0, 50.0, len(early))
                inside = shapely.contains_xy(units[home], x[early], y[early])
                x[early[~inside]], y[early[~inside]] = x[to[~inside]], y[to[~inside]]
                moved[early] = True
                df.loc[df.index[early], "description"] = df["description"].iloc[to].to_numpy()
            months = when.dt.to_period("M")
            first, last = pd.Period(_EMERGING_FROM, "M"), months.max()
            span = max((last - first).n, 1)
            for month in pd.period_range(first, last, freq="M"):
                share = _EMERGING_SHARE[0] + (_EMERGING_SHARE[1] - _EMERGING_SHARE[0]) * (month - first).n / span
                pick = np.flatnonzero(burglary & ~moved & (df["unit"] == home).to_numpy() & (months == month).to_numpy())
                pick = pick[rng.random(len(pick)) < share]
                nx = ex + rng.normal(0.0, _EMERGING_RADIUS, len(pick))
                ny = ey + rng.normal(0.0, _EMERGING_RADIUS, len(pick))
                keep = shapely.contains_xy(units[home], nx, ny)  # a move never changes the settlement
                x[pick[keep]], y[pick[keep]] = nx[keep], ny[keep]
                moved[pick[keep]] = True
                df.loc[df.index[pick[keep]], "description"] = [
                    d.rsplit(", ", 1)[0] + ", " + EMERGING_PLACE[1] for d in df["description"].iloc[pick[keep]]]
    # near repeats: a first burglary, then another of its settlement and year moved next to it, days later
    days = when.to_numpy().copy()
    for unit in df.loc[burglary, "unit"].unique():
        for year in df.loc[burglary & (df["unit"] == unit).to_numpy(), "year"].unique():
            pool = np.flatnonzero(burglary & ~moved & (df["unit"] == unit).to_numpy() & (df["year"] == year).to_numpy())
            if len(pool) < 4:
                continue
            pool = rng.permutation(pool)
            n = int(round(_REPEAT_SHARE * len(pool) / 2))
            firsts, repeats = pool[:n], pool[n:2 * n]
            # the risk decays with distance and time, as in the studies: most repeats are next door within days
            r = np.minimum(rng.exponential(_REPEAT_METRES / 4, n), _REPEAT_METRES)
            a = rng.uniform(0, 2 * np.pi, n)
            nx, ny = x[firsts] + r * np.cos(a), y[firsts] + r * np.sin(a)
            lag = pd.to_timedelta(np.minimum(1 + rng.geometric(0.25, n) - 1, _REPEAT_DAYS), unit="D")
            # the repeat keeps its own time of day; its day follows the first burglary's
            new = (pd.DatetimeIndex(days[firsts]).normalize() + lag
                   + (pd.DatetimeIndex(days[repeats]) - pd.DatetimeIndex(days[repeats]).normalize()))
            ok = shapely.contains_xy(units[unit], nx, ny) & (new.year == year)
            x[repeats[ok]], y[repeats[ok]] = nx[ok], ny[ok]
            days[repeats[ok]] = new[ok].to_numpy()
            moved[repeats[ok]] = True
            moved[firsts] = True
    df["occurred_at"] = pd.DatetimeIndex(days).astype(df["occurred_at"].dtype)
    lon, lat = to_ll.transform(x, y)
    df["lon"], df["lat"] = np.asarray(lon), np.asarray(lat)
    return df
