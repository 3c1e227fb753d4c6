"""The workspace's own list of crime categories.

Eight fixed categories fit the demo's two action plans but not a registry with
thirty offence types, so the categories are a list the workspace keeps (its
``categories`` table, :mod:`geo.io.categories`): the default list holds the
Kyrgyz plan priorities and the offence families registries use (theft,
robbery, assault and violence, fraud...), and a municipality renames, adds and
merges categories and marks its plan's priorities.

A category has a key (stored in ``incidents.category``, never shown), labels
in the three languages, a plan-priority flag, its place in the list and,
optionally, a colour (``geo.palette.category_color`` picks one otherwise).
Values only here: reading and writing the list is :mod:`geo.io.categories`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from geo import messages as M
from geo.i18n import N_, Tr

OTHER = "other"

# English labels of the default keys, marked for the catalog; a workspace's custom label wins over them.
DEFAULT_LABELS: dict[str, str] = {
    # the seven priorities of the Kyrgyz action plans
    "public_order": N_("Public order"),
    "burglary": N_("Burglary"),
    "road_traffic": N_("Road traffic"),
    "juvenile": N_("Juvenile delinquency"),
    "livestock_theft": N_("Livestock theft"),
    "domestic_violence": N_("Domestic violence"),
    "extremism": N_("Violent extremism"),
    # the offence families of police registries
    "theft": N_("Theft"),
    "robbery": N_("Robbery"),
    "violence": N_("Assault and violence"),
    "sexual_offences": N_("Sexual offences"),
    "fraud": N_("Fraud"),
    "drugs": N_("Drugs"),
    "vehicle_crime": N_("Vehicle crime"),
    "vandalism": N_("Vandalism"),
    "weapons": N_("Weapons offences"),
    OTHER: N_("Other"),
}

# The demo's categories: the two Kyrgyz action plans' priorities and "other" (the demo draws from these).
PLAN_CATEGORIES: tuple[str, ...] = (*tuple(DEFAULT_LABELS)[:7], OTHER)

COLUMNS: tuple[str, ...] = ("key", "label", "label_ru", "label_ky", "priority", "order", "colour")
_KEY = re.compile(r"^[a-z0-9_]{1,60}$")
_NOT_KEY = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A category key from a label: lower case ASCII words joined by ``_`` (Cyrillic transliterated)."""
    low = str(text).lower().replace("ё", "е")
    plain = "".join(_CYRILLIC.get(ch, ch) for ch in low)
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode("ascii")
    key = _NOT_KEY.sub("_", plain).strip("_")[:50].strip("_")
    return key or "category"


_CYRILLIC = dict(zip("абвгдежзийклмнопрстуфхцчшщъыьэюяңөү",
                     ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s",
                      "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia", "ng", "o", "u"],
                     strict=True))


@dataclass(frozen=True)
class Category:
    """One category: its key, labels (empty: the catalog's translation of a default key), flag and colour."""

    key: str
    label: str
    label_ru: str = ""
    label_ky: str = ""
    priority: bool = False
    colour: str = ""

    def custom(self) -> bool:
        """True when the labels are the workspace's own, not the default key's catalog translation."""
        return (self.key not in DEFAULT_LABELS or self.label != DEFAULT_LABELS[self.key]
                or bool(self.label_ru) or bool(self.label_ky))


@dataclass(frozen=True)
class CategoryList:
    """An ordered list of categories, always ending with ``other``; immutable, operations return a new list."""

    items: tuple[Category, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        keys = [c.key for c in self.items]
        bad = [k for k in keys if not _KEY.match(k)]
        if bad:
            msg = M.CAT_BAD_KEYS.format(names=", ".join(bad))
            raise ValueError(msg)
        if len(set(keys)) != len(keys):
            msg = M.CAT_KEYS_REPEAT.format(names=", ".join(sorted({k for k in keys if keys.count(k) > 1})))
            raise ValueError(msg)
        if OTHER not in keys:  # the residual is always there: a label with no category lands in it
            object.__setattr__(self, "items", (*self.items, Category(OTHER, DEFAULT_LABELS[OTHER])))
        elif keys[-1] != OTHER:  # and always last, as every legend and table lists it
            rest = tuple(c for c in self.items if c.key != OTHER)
            object.__setattr__(self, "items", (*rest, next(c for c in self.items if c.key == OTHER)))

    def __deepcopy__(self, memo: dict) -> CategoryList:
        # immutable, so a copy is itself; pandas deep-copies a frame's attrs after every operation, and
        # rebuilding the list each time cost a pack 0.2 s
        return self

    # reading
    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.items)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, key: object) -> bool:
        return key in self.keys

    def get(self, key: str) -> Category | None:
        return next((c for c in self.items if c.key == key), None)

    @property
    def priorities(self) -> tuple[str, ...]:
        """The plan's priorities, as marked, in list order."""
        return tuple(c.key for c in self.items if c.priority)

    def label(self, key: str, lang: str | Tr = "en") -> str:
        """The name of ``key`` in the language: the workspace's own label, else the catalog's, else the key."""
        _ = lang if isinstance(lang, Tr) else Tr(lang)
        c = self.get(key)
        if c is None:
            return _(DEFAULT_LABELS[key]) if key in DEFAULT_LABELS else str(key)
        if not c.custom():
            return _(DEFAULT_LABELS[key])
        own = {"ru": c.label_ru, "ky": c.label_ky}.get(_.lang, "")
        return own or c.label or str(key)

    def labels(self, lang: str | Tr = "en") -> dict[str, str]:
        """Every key's name in the language, in list order."""
        _ = lang if isinstance(lang, Tr) else Tr(lang)
        return {k: self.label(k, _) for k in self.keys}

    def index(self, key: str) -> int:
        """Place of ``key`` in the list (unknown keys after every known one)."""
        keys = self.keys
        return keys.index(key) if key in keys else len(keys)

    def ordered(self, keys: Iterable[str]) -> list[str]:
        """``keys`` in list order, unknown ones last in their given order."""
        keys = list(dict.fromkeys(keys))
        return sorted(keys, key=lambda k: (self.index(k), keys.index(k)))

    # operations: each returns a new list
    def rename(self, key: str, *, label: str | None = None, label_ru: str | None = None,
               label_ky: str | None = None) -> CategoryList:
        """New labels for ``key`` (None keeps a label); the key, stored in every row, does not change."""
        c = self._need(key)
        old = self.label(key, "en")
        new = replace(c, label=(label.strip() if label else None) or old,
                      label_ru=c.label_ru if label_ru is None else label_ru.strip(),
                      label_ky=c.label_ky if label_ky is None else label_ky.strip())
        if c.key in DEFAULT_LABELS and not new.label_ru and not new.label_ky and new.label != DEFAULT_LABELS[c.key]:
            # a renamed default must not fall back on the old name's translation in ru and ky
            new = replace(new, label_ru=new.label, label_ky=new.label)
        return self._put(new)

    def add(self, label: str, *, key: str | None = None, label_ru: str = "", label_ky: str = "",
            priority: bool = False, colour: str = "") -> CategoryList:
        """A new category before ``other``; its key is ``key`` or made from the label (unique)."""
        label = str(label).strip()
        if not label:
            msg = M.CAT_NEEDS_NAME
            raise ValueError(msg)
        base = key or slug(label)
        new_key, n = base, 2
        while new_key in self:
            new_key, n = f"{base}_{n}", n + 1
        cat = Category(new_key, label, label_ru.strip(), label_ky.strip(), priority, colour)
        return CategoryList((*self.items[:-1], cat, self.items[-1]))

    def remove(self, key: str) -> CategoryList:
        """The list without ``key`` (``other`` stays); the rows are :func:`geo.io.categories.merge`'s concern."""
        self._need(key)
        if key == OTHER:
            msg = M.CAT_OTHER_STAYS
            raise ValueError(msg)
        return CategoryList(tuple(c for c in self.items if c.key != key))

    def mark_priorities(self, keys: Iterable[str]) -> CategoryList:
        """Mark exactly ``keys`` as the plan's priorities."""
        keys = set(keys)
        unknown = keys - set(self.keys)
        if unknown:
            msg = M.CAT_UNKNOWN.format(name=", ".join(sorted(unknown)), names=", ".join(self.keys))
            raise ValueError(msg)
        return CategoryList(tuple(replace(c, priority=c.key in keys) for c in self.items))

    def _need(self, key: str) -> Category:
        c = self.get(key)
        if c is None:
            msg = M.CAT_UNKNOWN.format(name=key, names=", ".join(self.keys))
            raise ValueError(msg)
        return c

    def _put(self, cat: Category) -> CategoryList:
        return CategoryList(tuple(cat if c.key == cat.key else c for c in self.items))

    # the stored table
    def to_frame(self) -> pd.DataFrame:
        """The ``categories`` table: one row per category, in list order."""
        return pd.DataFrame({
            "key": [c.key for c in self.items], "label": [c.label for c in self.items],
            "label_ru": [c.label_ru for c in self.items], "label_ky": [c.label_ky for c in self.items],
            "priority": [int(c.priority) for c in self.items], "order": list(range(len(self.items))),
            "colour": [c.colour for c in self.items],
        })

    @classmethod
    def from_frame(cls, frame: pd.DataFrame | None) -> CategoryList:
        """The list a ``categories`` table holds; the default list when there is none."""
        if frame is None or frame.empty or "key" not in frame:
            return DEFAULT_CATEGORIES
        f = frame.copy()
        if "order" in f:
            f = f.sort_values("order", kind="stable")

        def text(row: Mapping[str, object], name: str) -> str:
            v = row.get(name)
            return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()

        items = []
        for row in f.to_dict("records"):
            key = text(row, "key")
            flag = row.get("priority")
            items.append(Category(key, text(row, "label") or DEFAULT_LABELS.get(key, key), text(row, "label_ru"),
                                  text(row, "label_ky"),
                                  bool(flag) if flag is not None and not pd.isna(flag) else False,
                                  text(row, "colour")))
        return cls(tuple(items))

    @classmethod
    def of(cls, categories: CategoryList | Iterable[str] | None) -> CategoryList:
        """``categories`` as a list: a CategoryList as is, keys as default-labelled categories, None the default."""
        if categories is None:
            return DEFAULT_CATEGORIES
        if isinstance(categories, CategoryList):
            return categories
        return cls(tuple(Category(k, DEFAULT_LABELS.get(k, k)) for k in categories))


DEFAULT_CATEGORIES = CategoryList(tuple(Category(k, v) for k, v in DEFAULT_LABELS.items()))
"""The default list: the Kyrgyz plan's seven priorities, the registries' offence families, ``other``.

No category is marked a priority: until the workspace marks its plan's, the pack takes the most frequent."""

CATEGORIES_ATTR = "koopsuz_categories"
"""Where a layer read from a workspace carries its list (``frame.attrs``): a map or table drawn from the frame alone
(a legend, a print map) names and colours the workspace's own categories."""


def categories_of(frame: pd.DataFrame | None) -> CategoryList:
    """The list a frame carries (:data:`CATEGORIES_ATTR`), else the default list."""
    lst = getattr(frame, "attrs", {}).get(CATEGORIES_ATTR) if frame is not None else None
    return lst if isinstance(lst, CategoryList) else DEFAULT_CATEGORIES


def with_categories(frame: pd.DataFrame, categories: CategoryList) -> pd.DataFrame:
    """``frame`` (the same object) carrying ``categories`` in its attrs."""
    frame.attrs[CATEGORIES_ATTR] = categories
    return frame
