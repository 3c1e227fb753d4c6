"""What a viewer's pages read: the workspace with its incidents masked, on the server (issue 15, item 3).

One choke point: every page reads the workspace through :func:`views.common.load_data`, which hands a
viewer's session (role ``viewer`` or ``public`` in the chosen municipality) :func:`viewer_data` of it
instead: the incidents layer of :func:`geo.privacy.viewer_layer` (masked points, anonymous numbers, dates
to the month, no description, no sensitive category), no rejected rows. So every page, map, table, print
map and pack a viewer makes is built from what a viewer may see, and nothing else reaches the browser.

The viewer's data has its own ``version`` (the workspace's, with the privacy policy added): every page
keys its cached analyses and maps on it (:func:`views.common.study_key`), so a viewer never gets an
analyst's cached map of the recorded points, nor an analyst a viewer's.

The masking's seed is a secret per municipality, kept on the server in the accounts store's metadata
(``privacy_seed_<municipality key>``), created once; it never reaches a browser.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace

import geopandas as gpd
import streamlit as st

from geo.privacy import PrivacyPolicy, PrivacyReport, sensitive_counts, viewer_layer
from views.common import Data

ACCOUNT_KEY = "koopsuz_account"  # views.auth.ACCOUNT_KEY (not imported: views.auth imports views.common)
VIEWER_ROLES = frozenset({"viewer", "public"})
SEED_KEY = "privacy_seed_{municipality}"
VIEWER_VERSION = "viewer"


def session_role() -> str | None:
    """The role of this session's account in the chosen municipality (``None``: nobody signed in)."""
    account = st.session_state.get(ACCOUNT_KEY)
    if account is None:
        return None
    from views.auth import current_role  # lazily: views.auth imports views.common

    return current_role(account)


def is_viewer() -> bool:
    """Whether this session sees what a viewer may see: a signed-in account whose role here is viewer, public or none.

    No account in the session: ``app.py`` shows the sign-in form before any page reads data
    (:func:`views.auth.signed_in`), so that is a page run on its own (a unit test), given the workspace.
    """
    if st.session_state.get(ACCOUNT_KEY) is None:
        return False
    role = session_role()
    return role is None or role in VIEWER_ROLES


def policy_for(data: Data) -> PrivacyPolicy:
    """The workspace's privacy policy: what an administrator chose on the Data page, else the defaults.

    A stored policy that cannot be read (edited by hand to nonsense) gives the strictest one, counts per
    settlement only: a mistake there must never show a viewer more than was chosen.
    """
    try:
        return PrivacyPolicy.from_meta(data.meta)
    except ValueError:
        return PrivacyPolicy(method="aggregate")


def _municipality_key() -> str:
    from views.common import current_municipality

    chosen = current_municipality()
    return chosen.key if chosen is not None else "*"


def workspace_seed(municipality: str) -> int:
    """The municipality's secret masking seed, created on first use and kept in the accounts store.

    Read inside the store's lock, so two servers starting at once agree on one seed.
    """
    from views.auth import accounts  # lazily: views.auth imports views.common
    from views.common import workspace_location

    store = accounts(workspace_location())
    key = SEED_KEY.format(municipality=municipality)
    found = store.meta().get(key) if store.exists else None
    if found:
        return int(found)
    with store.locked():
        found = store.meta().get(key) if store.exists else None
        if not found:
            found = str(secrets.randbits(63))
            store.write({}, meta={key: found})
    return int(found)


def _policy_tag(policy: PrivacyPolicy) -> str:
    return VIEWER_VERSION + ":" + hashlib.sha256(repr(policy.params()).encode()).hexdigest()[:12]


@st.cache_resource(show_spinner=False, max_entries=8)
def _viewer(location: str, version: tuple, policy: PrivacyPolicy, _data: Data, _seed: int) -> Data:
    # Keyed on the workspace, its version and the policy only: never the language (the masking has no words),
    # never the seed (a server-side secret, the same for the municipality's whole life).
    layer = viewer_layer(_data.incidents, boundaries=_data.boundaries, roads=_data.roads, policy=policy,
                         seed=_seed, recorded=_data.incidents)
    return replace(_data, incidents=layer, rejected={name: frame.iloc[:0] for name, frame in _data.rejected.items()},
                   version=(*tuple(version), _policy_tag(policy)))


def viewer_data(data: Data, *, policy: PrivacyPolicy, seed: int) -> Data:
    """``data`` as a viewer may see it: masked incidents (:func:`geo.privacy.viewer_layer`), no rejected rows.

    Cached per workspace, version and policy. Its ``version`` is the workspace's with the policy's tag
    added, so analyses and maps cached on :func:`views.common.study_key` are a viewer's own.
    """
    return _viewer(data.location, tuple(data.version), policy, data, int(seed))


def as_viewer(data: Data) -> Data:
    """``data`` as a viewer of the chosen municipality reads it (what a publication is made from)."""
    if is_viewer_data(data):
        return data
    return viewer_data(data, policy=policy_for(data), seed=workspace_seed(_municipality_key()))


def for_session(data: Data) -> Data:
    """What this session may read of ``data``: itself for an analyst or admin, :func:`viewer_data` for others."""
    return as_viewer(data) if is_viewer() else data


def is_viewer_data(data: Data) -> bool:
    """Whether ``data`` is a viewer's (made by :func:`viewer_data`)."""
    return any(isinstance(v, str) and v.startswith(VIEWER_VERSION + ":") for v in tuple(data.version))


@st.cache_resource(show_spinner=False, max_entries=8)
def _sensitive(location: str, version: tuple, policy: PrivacyPolicy) -> gpd.GeoDataFrame:
    from views.common import _load

    recorded = _load(location, version)  # the workspace as read (cached by load_data itself)
    return sensitive_counts(recorded.incidents, recorded.boundaries, policy=policy)


def sensitive_table(data: Data) -> gpd.GeoDataFrame:
    """The sensitive categories' counts per settlement, small ones suppressed, for a viewer's ``data``."""
    base = tuple(v for v in data.version if not (isinstance(v, str) and v.startswith(VIEWER_VERSION + ":")))
    return _sensitive(data.location, base, policy_for(data))


def report_lines(data: Data, *, lang: str) -> list[str]:
    """The masking's method, parameters and measures in plain words (for a caption under a viewer's map)."""
    return PrivacyReport.of(data.incidents).lines(lang=lang)


# ---------------------------------------------------------------- what a viewer's pages add

def min_count(data: Data) -> int:
    """The smallest count a viewer's page may show (0 for an analyst's data: every count is shown)."""
    return int(policy_for(data).min_count) if is_viewer_data(data) else 0


def viewer_notes(data: Data) -> None:
    """Under a viewer's map: how the points were moved and what is left out, with the measures (a caption)."""
    from views.common import tr

    _ = tr()
    if not is_viewer_data(data):
        return
    lines = [_("Exact places, registry numbers, descriptions and times are not shown: dates are to the month."),
             *report_lines(data, lang=_.lang)]
    st.caption("  \n".join(lines), help=_("The points are moved on the server, before anything reaches this "
                                          "browser, the same way on every page, map and file made here."))


@st.cache_resource(show_spinner=False, max_entries=32)
def _sensitive_study(location: str, version: tuple, policy: PrivacyPolicy, study: str, _f: object,
                     _units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from views.common import _load
    from geo.select import filter_incidents

    recorded = _load(location, version)
    chosen = filter_incidents(recorded.incidents, replace(_f, categories=None, units=None, area=None))
    return sensitive_counts(chosen, _units, policy=policy)


def sensitive_section(data: Data, f: object, units: gpd.GeoDataFrame) -> None:
    """For a viewer: the sensitive categories of the study's period, as counts per settlement (small ones withheld)."""
    import pandas as pd

    from geo.i18n import place_names
    from geo.privacy.policy import SUPPRESSED_TEXT
    from geo.select import unit_ids
    from views.common import tr

    _ = tr()
    if not is_viewer_data(data) or len(units) == 0:
        return
    policy = policy_for(data)
    base = tuple(v for v in data.version if not (isinstance(v, str) and v.startswith(VIEWER_VERSION + ":")))
    table = _sensitive_study(data.location, base, policy, repr((data.location, base, f)), f, units)
    st.subheader(_("Sensitive categories: counts per settlement"))
    if len(table) == 0:
        st.caption(_("No incident of a sensitive category in the chosen settlements and period."))
        return
    by_id = dict(zip(unit_ids(units).astype(str), place_names(units, _.lang).astype(str), strict=True))
    hidden = _(SUPPRESSED_TEXT, n=_.int(policy.min_count))
    shown = pd.DataFrame({
        _("Settlement"): [by_id.get(str(u), str(u)) for u in table["unit"]],
        _("Category"): [data.categories.label(c, _) for c in table["category"]],
        _("Incidents"): [hidden if s else _.int(int(c)) for c, s in zip(table["count"], table["suppressed"],
                                                                       strict=True)],
    })
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption("  \n".join([_("Domestic violence, sexual offences and other sensitive categories are shown only "
                              "as counts per settlement"),
                            _("Counts below {n} are not shown", n=_.int(policy.min_count))]))
