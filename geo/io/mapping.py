"""Which column holds what: header auto-mapping for English, Russian and Kyrgyz exports.

A *role* is what the importer needs to know about a column (``date``,
``time``, ``lat``, ``category`` ...); roles become the layer's fields. Headers
are matched after normalising case, ``ё`` and punctuation, so
``"Дата совершения"``, ``"дата_совершения"`` and ``"ДАТА СОВЕРШЕНИЯ"`` are one
header. The user's ``--map ROLE=COLUMN`` always wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from geo.messages import IN_FILE, MAP_NO_COLUMN, MAP_NOT_A_FIELD, MAP_SYNTAX, MAP_UNKNOWN_LAYER, N_

POSITION_ROLES = ("lat", "lon", "x", "y")
TIME_ROLES = ("date", "time", "year", "month", "day", "hour", "minute")

# role -> aliases, most specific first; all written already normalised (see normalize)
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "caseid", "casenumber", "casenum", "number", "no", "№", "номер", "номердела", "регномер",
           "регистрационныйномер", "номеркус", "кус", "каттоономери", "номери", "objectid", "fid"),
    "date": ("occurredat", "datetime", "dateofoccurrence", "date", "occurred", "timestamp", "датаивремя",
             "датавремя", "датасовершения", "датапроисшествия", "датарегистрации", "дата", "күнү", "датасы"),
    "time": ("time", "timeofday", "время", "времясовершения", "убакыт", "убактысы", "саатмүнөт"),
    "year": ("year", "год", "жыл", "жылы"),
    "month": ("month", "месяц", "ай", "айы"),
    "day": ("day", "день", "число", "күн"),
    "hour": ("hour", "час", "саат"),
    "minute": ("minute", "minutes", "минута", "минуты", "мүнөт"),
    "category": ("category", "primarytype", "crimetype", "offencetype", "offensetype", "offence", "offense",
                 "crime", "type", "видпреступления", "вид", "статья", "статьяук", "ст", "квалификация",
                 "категория", "кылмыштүрү", "түрү", "берене", "iucr"),
    "description": ("description", "details", "narrative", "text", "фабула", "описание", "краткоесодержание",
                    "содержание", "сүрөттөмө", "баяндама", "маалымат"),
    "lat": ("lat", "latitude", "ycoordwgs84", "lat_wgs84", "широта", "кеңдик"),
    "lon": ("lon", "lng", "long", "longitude", "долгота", "узундук"),
    "x": ("x", "xcoordinate", "xcoord", "easting", "east", "координатах", "коордх"),
    "y": ("y", "ycoordinate", "ycoord", "northing", "north", "координатаy", "коорду"),
    "weight": ("weight", "count", "вес", "количество", "саны"),
    "name": ("name", "stationname", "title", "community", "shapename", "adm2en", "nameen", "название",
             "наименование", "аталышы", "аты", "district"),
    "kind": ("kind", "stationtype", "type", "тип", "вид", "түрү"),
    "opened": ("opened", "openingdate", "dateopened", "opendate", "датаоткрытия", "открыт", "ачылган"),
    "address": ("address", "block", "street", "location", "адрес", "дарек", "улица"),
    "installed": ("installed", "installationdate", "dateinstalled", "датаустановки", "орнотулган"),
    "direction_deg": ("directiondeg", "direction", "azimuth", "bearing", "heading", "направление", "азимут"),
    "fov_deg": ("fovdeg", "fov", "fieldofview", "viewangle", "уголобзора", "угол"),
    "range_m": ("rangem", "range", "distance", "viewdistance", "дальность", "радиус"),
    "population": ("population", "pop", "totpop", "pop2020", "pop2010", "население", "численность",
                   "численностьнаселения", "калк", "калкы", "калктын саны", "population2021"),
    "area": ("area", "municipality", "city", "город", "муниципалитет", "шаар"),
    "district_name": ("parentdistrict", "rayon", "район", "району"),
    "unit_id": ("unitid", "geoid", "geoid20", "geoid10", "geoidfq", "soato", "соато", "ate", "коате", "коато",
                "code", "код", "pcode", "adm3pcode", "adm2pcode", "adm1pcode", "adm3code", "adm2code",
                "adm1code", "shapeid", "areanumbe", "areanum",
                "id", "fid", "objectid"),
    "name_ru": ("nameru", "adm2ru", "названиеru", "названиерус"),
    "name_ky": ("nameky", "namekg", "adm2kr", "adm2ky", "названиекырг", "аталышыкырг"),
    "road_class": ("roadclass", "class", "highway", "fclass", "тип", "класс"),
    "speed_kmh": ("speedkmh", "speed", "maxspeed", "скорость", "ылдамдык"),
}

# roles each layer type can use; the order breaks ties when one header fits two roles
LAYER_ROLES: dict[str, tuple[str, ...]] = {
    "incidents": ("id", "date", "time", "year", "month", "day", "hour", "minute", "category", "description",
                  "weight", "lat", "lon", "x", "y"),
    "stations": ("name", "kind", "opened", "address", "lat", "lon", "x", "y"),
    "cameras": ("name", "direction_deg", "fov_deg", "range_m", "installed", "lat", "lon", "x", "y"),
    "boundaries": ("name", "population", "area", "district_name", "name_ru", "name_ky", "unit_id"),
    "roads": ("name", "road_class", "speed_kmh"),
}

# Each role in plain words, N_-marked: the Data page shows them in the reader's language with _(ROLE_HELP[role]).
ROLE_HELP: dict[str, str] = {
    "id": N_("registry number (unique)"), "date": N_("date, or date and time"), "time": N_("time of day"),
    "year": N_("year"), "month": N_("month"), "day": N_("day of month"), "hour": N_("hour"), "minute": N_("minute"),
    "category": N_("offence type or article (mapped to a category)"), "description": N_("free text"),
    "weight": N_("weight"), "lat": N_("latitude"), "lon": N_("longitude"), "x": N_("easting (projected x)"),
    "y": N_("northing (projected y)"), "name": N_("name"), "kind": N_("kind of station"), "opened": N_("opening date"),
    "address": N_("address"), "installed": N_("installation date"), "direction_deg": N_("viewing direction, degrees"),
    "fov_deg": N_("field of view, degrees"), "range_m": N_("range, metres"), "population": N_("population"),
    "area": N_("municipality"), "district_name": N_("parent district"), "name_ru": N_("name in Russian"),
    "name_ky": N_("name in Kyrgyz"), "unit_id": N_("settlement code (unique)"), "road_class": N_("road class"), "speed_kmh": N_("speed, km/h"),
}

_PUNCT = re.compile(r"[\s_\-.,:;()\[\]/\\'\"`«»№#]+")


def normalize(header: str) -> str:
    """Header as compared: lower case, ё as е, no spaces or punctuation."""
    h = str(header).strip().lower().replace("ё", "е")
    keep_no = h in ("№", "no")
    return h if keep_no else _PUNCT.sub("", h)


def auto_map(columns: Sequence[str], layer: str) -> dict[str, str]:
    """Role -> column for the columns whose header names a role of ``layer``.

    Each column serves one role; a role takes the first column whose
    header matches its most specific alias.
    """
    if layer not in LAYER_ROLES:
        msg = MAP_UNKNOWN_LAYER.format(value=layer, names=", ".join(LAYER_ROLES))
        raise ValueError(msg)
    norm = {c: normalize(c) for c in columns}
    first: dict[str, list[str]] = {}  # normalised header -> its columns in file order: one pass, any width
    for c in columns:
        first.setdefault(norm[c], []).append(c)
    taken: set[str] = set()
    out: dict[str, str] = {}
    for role in LAYER_ROLES[layer]:
        for alias in ALIASES[role]:
            hit = next((c for c in first.get(normalize(alias), ()) if c not in taken), None)
            if hit is not None:
                out[role] = hit
                taken.add(hit)
                break
    if layer == "boundaries" and "population" not in out:
        # census extracts name population columns by year: POP2010, TOT_POP, Population_2021
        hit = next((c for c in columns if c not in taken and re.fullmatch(r"(tot)?pop(ulation)?\d{0,4}", norm[c])),
                   None)
        if hit is not None:
            out["population"] = hit
    return out


def apply_overrides(mapping: Mapping[str, str], overrides: Mapping[str, str | None], columns: Sequence[str],
                    layer: str, *, source: str | None = None) -> dict[str, str]:
    """The auto-mapping with the user's choices applied (``None`` or ``""`` unmaps a role).

    ``source`` (the file's name) starts every message, as the command line
    prints it: ``"a.csv: no column 'NOPE' to map to date; columns: ..."``.
    """
    out = dict(mapping)
    check_roles(overrides, layer, source=source)
    for role, col in overrides.items():
        if not col:
            out.pop(role, None)
            continue
        if col not in columns:
            msg = _prefix(source, MAP_NO_COLUMN.format(column=col, field=role, columns=", ".join(map(str, columns))))
            raise ValueError(msg)
        for other, c in list(out.items()):
            if c == col and other != role:
                del out[other]  # a column the user placed elsewhere leaves its guessed role
        out[role] = col
    return out


def check_roles(overrides: Mapping[str, object], layer: str, *, source: str | None = None) -> None:
    """Refuse a ``--map`` role that is not a field of ``layer`` (before the file is read)."""
    roles = LAYER_ROLES.get(layer)
    if roles is None:
        msg = _prefix(source, MAP_UNKNOWN_LAYER.format(value=layer, names=", ".join(LAYER_ROLES)))
        raise ValueError(msg)
    for role in overrides:
        if role not in roles:
            msg = _prefix(source, MAP_NOT_A_FIELD.format(value=role, layer=layer, names=", ".join(roles)))
            raise ValueError(msg)


def parse_map_args(items: Sequence[str], *, layer: str | None = None, source: str | None = None) -> dict[str, str]:
    """``["date=Дата", "lat=Y"]`` from the command line into a dict.

    With ``layer``, each role is checked to be a field of it; ``source``
    starts every message.
    """
    out: dict[str, str] = {}
    for item in items:
        role, sep, col = item.partition("=")
        if not sep or not role.strip():
            msg = _prefix(source, MAP_SYNTAX.format(value=item))
            raise ValueError(msg)
        out[role.strip()] = col.strip()
    if layer is not None:
        check_roles(out, layer, source=source)
    return out


def _prefix(source: str | None, message: str) -> str:
    return IN_FILE.format(file=source, message=message) if source else message
