"""Offence labels as registered -> the workspace's categories, and the stored list of categories.

Registries label offences by article or by name, in Russian, Kyrgyz or
English ("Хулиганство (ст. 234 УК КР)", "Уурдоо", "BURGLARY", "MOTOR VEHICLE
THEFT"). A label is mapped by, in order: the workspace's saved mapping (edited
by the user), an exact category key, then keyword rules; anything else is
``other``. The raw label is always kept in ``raw_category``.

The rules name families, not articles, and leave a label in ``other`` rather
than force it into a family it is not ("OFFENSE INVOLVING CHILDREN" is no
juvenile delinquency, "OTHER OFFENSE" no family at all).

The workspace keeps its own list of categories (:class:`geo.categories.CategoryList`)
in its ``categories`` table; :func:`read_categories`, :func:`write_categories`
and :func:`merge_categories` read and change it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from geo import messages as M
from geo.categories import DEFAULT_CATEGORIES, OTHER, CategoryList
from geo.io.store import Workspace

CATEGORIES_TABLE = "categories"
CATEGORY_MAP_TABLE = "category_map"

# (category, keyword stems); the first rule with a stem in the label wins, so specific rules come first:
# livestock and vehicle thefts before theft, burglary and robbery before theft, sexual assault before assault,
# "identity theft" (fraud) before theft, "телесные повреждения" (violence) before "повреждение имущества".
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("extremism", ("экстремис", "терроризм", "террорист", "terror", "extremis", "radicali")),
    ("livestock_theft", ("скот", "скота", "мал уурд", "малды", "livestock", "cattle", "sheep",
                         "конокрад")),
    ("domestic_violence", ("семейн", "бытов", "домашн", "үй-бүлө", "үй бүлө", "domestic", "family violence")),
    ("sexual_offences", ("изнасилов", "полов", "сексуальн", "развратн", "зордуктоо", "жыныстык", "sexual",
                         "sex offen", "rape", "indecent assault", "sex crime")),
    ("juvenile", ("несовершеннолет", "подрост", "жашы жете элек", "juvenile")),
    ("road_traffic", ("дтп", "дорожно-транспорт", "правил дорожного", "наезд", "жол кырсык", "traffic",
                      "vehicle accident", "crash", "collision", "dui", "drunk driving")),
    ("vehicle_crime", ("угон", "кража автомоб", "кража из автомоб", "кража автомаш", "кража из автомаш",
                       "кража транспорт", "из транспортн", "унаа уурд", "унааны уурд", "унаадан уурд",
                       "автоунаа уурд", "vehicle theft", "theft of vehicle", "theft of motor", "theft from vehicle",
                       "theft from motor", "theft from auto", "auto theft", "car theft", "carjack",
                       "vehicle crime", "vehicle interference", "vehicle tampering")),
    ("burglary", ("кража с проникнов", "квартирн", "проникновени", "burglar", "break-in", "break and enter",
                  "break & enter", "breaking and entering", "housebreak", "үйгө кирип", "батирден уурд")),
    ("robbery", ("грабеж", "разбо", "тоноо", "каракчы", "robbery", "mugging")),
    ("fraud", ("мошеннич", "подделк", "присвоени", "растрат", "алдамчы", "fraud", "deceptive", "forgery",
               "counterfeit", "embezzl", "identity theft", "swindl")),
    ("theft", ("краж", "хищени", "уурд", "уурулук", "theft", "larceny", "shoplift", "stealing", "pickpocket",
               "stolen property")),
    ("drugs", ("наркот", "психотроп", "баңги", "наркотик", "narcotic", "drug", "cannabis", "controlled substance")),
    ("violence", ("убийств", "побо", "телесн", "истязан", "похищени", "угроз", "нападени", "насили",
                  "вреда здоровью", "киши өлтүр", "уруп-сабо", "ден соолукка", "денеге залал", "зомбулук",
                  "assault", "battery", "homicide",
                  "murder", "manslaughter", "kidnap", "wounding", "violence", "stalking", "harassment",
                  "intimidation", "threat")),
    ("weapons", ("оружи", "боеприпас", "курал", "weapon", "firearm", "concealed carry", "gun ")),
    ("vandalism", ("повреждение имущ", "повреждение чуж", "уничтожени", "вандализм", "поджог", "мүлктү буз",
                   "өрттө", "criminal damage", "vandalism", "arson", "graffiti", "mischief")),
    ("public_order", ("хулиган", "общественн", "порядк", "мелкое хулиганство", "безбилет", "распитие",
                      "коомдук тартип", "бейбаштык", "public peace", "public order", "disorderly", "liquor",
                      "gambling", "prostitution", "public indecency", "interference with public officer",
                      "criminal trespass", "ст 234")),
)

_SPACE = re.compile(r"[\s.]+")


def _norm(label: str) -> str:
    return _SPACE.sub(" ", str(label).lower().replace("ё", "е")).strip()


def _missing(label: object) -> bool:
    return label is None or (not isinstance(label, str) and pd.isna(label))


def rule_category(label: str | None, *, categories: CategoryList | None = None) -> str:
    """The category a label falls in by the keyword rules (``other`` if none, or if the rule's is not listed)."""
    if _missing(label):
        return OTHER
    keys = CategoryList.of(categories).keys
    text = _norm(label)
    if text in keys:
        return text
    for category, stems in RULES:
        if category in keys and any(stem in text for stem in stems):
            return category
    return OTHER


def categorize(labels: pd.Series, saved: Mapping[str, str] | None = None, *,
               categories: CategoryList | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Category per row, and the mapping used for each distinct label.

    Parameters
    ----------
    labels
        The offence labels as registered.
    saved
        The workspace's saved mapping, raw label to category key.
    categories
        The workspace's list; the default list when not given.

    Returns
    -------
    categories
        Same index as ``labels``.
    mapping
        One row per distinct label: ``raw_label``, ``category``, ``how``
        (``saved``, ``rule`` or ``default``) and ``rows``, largest first;
        the table a user reviews and edits.
    """
    keys = CategoryList.of(categories)
    saved = {str(k): v for k, v in (saved or {}).items() if v in keys}
    text = labels.astype("string").str.strip()
    counts = text.value_counts(dropna=True)
    rows = []
    for label, n in counts.items():
        if label in saved:
            cat, how = saved[label], "saved"
        else:
            cat = rule_category(label, categories=keys)
            how = "rule" if cat != OTHER or _norm(label) == OTHER else "default"
        rows.append((label, cat, how, int(n)))
    mapping = pd.DataFrame(rows, columns=["raw_label", "category", "how", "rows"])
    lookup = dict(zip(mapping["raw_label"], mapping["category"], strict=True))
    # through plain objects: an entirely empty column maps to an Arrow double column, which cannot hold "other"
    cats = pd.Series(text.astype(object).map(lookup).to_numpy(dtype=object), index=text.index)
    return cats.where(cats.notna(), OTHER).astype(str), mapping


def own_labels(labels: pd.Series, *, categories: CategoryList | None = None) -> tuple[pd.Series, pd.DataFrame,
                                                                                         CategoryList]:
    """Keep the file's own labels as categories: each distinct label becomes a category of its own.

    A label that names a listed category (its key or its English label) keeps that category; every other
    becomes a new category keyed by its slug and named by the label. An empty label is ``other``.

    Returns
    -------
    categories, mapping, list
        As :func:`categorize`, with ``how`` ``own``; and the list with the new categories added.
    """
    lst = CategoryList.of(categories)
    text = labels.astype("string").str.strip()
    counts = text.value_counts(dropna=True)
    by_label = {lst.label(k, "en").lower(): k for k in lst.keys}
    rows = []
    for label, n in counts.items():
        key = label if label in lst else by_label.get(str(label).lower())
        if key is None:
            lst = lst.add(str(label))
            key = lst.keys[-2]  # added just before "other"
        rows.append((label, key, "own", int(n)))
    mapping = pd.DataFrame(rows, columns=["raw_label", "category", "how", "rows"])
    lookup = dict(zip(mapping["raw_label"], mapping["category"], strict=True))
    cats = pd.Series(text.astype(object).map(lookup).to_numpy(dtype=object), index=text.index)
    return cats.where(cats.notna(), OTHER).astype(str), mapping, lst


def suggest_categories(labels: pd.Series | list[str], *, categories: CategoryList | None = None) -> pd.DataFrame:
    """What the label words suggest for labels now in ``other``: one row per distinct label, most rows first.

    Parameters
    ----------
    labels
        Raw offence labels, one per row (e.g. the ``raw_category`` of the incidents now in ``other``).
    categories
        The workspace's list; only its categories are suggested.

    Returns
    -------
    pandas.DataFrame
        ``label``, ``rows`` (int) and ``suggested`` (a category key by the keyword rules in ru, ky and
        en; ``other`` when no word fits: nothing is forced into a family).
    """
    text = pd.Series(labels, dtype="string").str.strip()
    text = text[text.notna() & (text != "")]
    counts = text.value_counts()
    counts = counts.iloc[sorted(range(len(counts)), key=lambda i: (-int(counts.iloc[i]), str(counts.index[i])))]
    lst = CategoryList.of(categories)
    return pd.DataFrame({
        "label": counts.index.astype(str).tolist(),
        "rows": counts.to_numpy(dtype="int64"),
        "suggested": [rule_category(str(label), categories=lst) for label in counts.index],
    }, columns=["label", "rows", "suggested"])


def read_categories(workspace: Workspace) -> CategoryList:
    """The workspace's list of categories; the default list when it keeps none."""
    if not workspace.exists or not workspace.has(CATEGORIES_TABLE):
        return DEFAULT_CATEGORIES
    return CategoryList.from_frame(workspace.read_table(CATEGORIES_TABLE))


def write_categories(workspace: Workspace, categories: CategoryList) -> None:
    """Store the list (rename, add, mark priorities); rows are unchanged."""
    workspace.write({CATEGORIES_TABLE: categories.to_frame()})


def merge_categories(workspace: Workspace, source: str, target: str) -> CategoryList:
    """Merge category ``source`` into ``target``: its rows re-categorised, the saved map updated, the list without it.

    One atomic write of the incidents, the saved ``category_map`` and the ``categories`` table, read and
    written under the workspace's lock (no other write slips in between).
    """
    with workspace.locked():
        return _merge(workspace, source, target)


def _merge(workspace: Workspace, source: str, target: str) -> CategoryList:
    lst = read_categories(workspace)
    if source == target:
        msg = M.CAT_MERGE_ITSELF
        raise ValueError(msg)
    for key in (source, target):
        if key not in lst:
            msg = M.CAT_UNKNOWN.format(name=key, names=", ".join(lst.keys))
            raise ValueError(msg)
    merged = lst.remove(source)
    tables: dict[str, pd.DataFrame] = {CATEGORIES_TABLE: merged.to_frame()}
    if workspace.has("incidents"):
        inc = workspace.read("incidents")
        if "category" in inc and (inc["category"] == source).any():
            inc = inc.copy()
            inc["category"] = inc["category"].where(inc["category"] != source, target)
            tables["incidents"] = inc
    if workspace.has(CATEGORY_MAP_TABLE):
        cmap = workspace.read_table(CATEGORY_MAP_TABLE)
        if "category" in cmap:
            cmap = cmap.copy()
            cmap["category"] = cmap["category"].where(cmap["category"] != source, target)
            tables[CATEGORY_MAP_TABLE] = cmap
    workspace.write(tables)
    return merged


def recategorize(workspace: Workspace, mapping: Mapping[str, str]) -> int:
    """Put the rows of each raw label in ``mapping`` (label -> category key) into that category, and save it.

    The one-click fix for labels left in ``other``: the incidents whose ``raw_category`` is a label of
    ``mapping`` are re-categorised and the saved ``category_map`` records the choice for later imports,
    in one atomic write. Keys not in the workspace's list are refused.

    Returns
    -------
    int
        The number of incidents whose category changed.
    """
    with workspace.locked():  # read and written under the lock: no other write slips in between
        return _recategorize(workspace, mapping)


def _recategorize(workspace: Workspace, mapping: Mapping[str, str]) -> int:
    lst = read_categories(workspace)
    bad = sorted({v for v in mapping.values() if v not in lst})
    if bad:
        msg = M.CAT_UNKNOWN.format(name=", ".join(bad), names=", ".join(lst.keys))
        raise ValueError(msg)
    mapping = {str(k): str(v) for k, v in mapping.items()}
    tables: dict[str, pd.DataFrame] = {}
    changed = 0
    if mapping and workspace.has("incidents"):
        inc = workspace.read("incidents")
        if "raw_category" in inc and len(inc):
            raw = inc["raw_category"].astype("string").str.strip()
            new = raw.map(mapping)
            hit = (new.notna() & (new != inc["category"].astype("string"))).fillna(False).to_numpy(dtype=bool)
            if hit.any():
                inc = inc.copy()
                inc.loc[hit, "category"] = new[hit].astype(str).to_numpy()
                tables["incidents"] = inc
                changed = int(hit.sum())
    saved = workspace.read_table(CATEGORY_MAP_TABLE) if workspace.has(CATEGORY_MAP_TABLE) else pd.DataFrame()
    old = (saved[["raw_label", "category"]] if {"raw_label", "category"} <= set(saved.columns)
           else pd.DataFrame(columns=["raw_label", "category"]))
    add = pd.DataFrame({"raw_label": list(mapping), "category": list(mapping.values())})
    tables[CATEGORY_MAP_TABLE] = (pd.concat([old, add]).drop_duplicates("raw_label", keep="last")
                                  .reset_index(drop=True))
    workspace.write(tables)
    return changed
