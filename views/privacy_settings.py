"""The Data page's "Privacy for viewers" section: how a municipality's viewers see incidents (issue 15, item 3).

An administrator chooses the masking method and its distances, the smallest count shown and the categories
shown only as counts (domestic violence and sexual offences always are). The choice is kept in the
workspace's metadata (:meth:`geo.privacy.PrivacyPolicy.to_meta`), so every replica and the pack read the
same policy; saving it is audited. Viewers' maps are masked again with the new policy on their next page
(their cached data is keyed on the policy, :func:`views.privacy.viewer_data`).
"""

from __future__ import annotations

import streamlit as st

from geo.auth import Account
from geo.i18n import Tr
from geo.io.store import WorkspaceError
from geo.privacy import PrivacyPolicy
from geo.privacy.policy import METHODS, SENSITIVE_CATEGORIES
from views.auth import record
from views.common import load_data, tr
from views.privacy import policy_for

SAVED_KEY = "priv_saved"


def method_words(method: str, _: Tr) -> str:
    return {"donut": _("Move each point at random (donut masking)"),
            "anchors": _("Move each point to an anonymous street point (anonymous map points)"),
            "aggregate": _("No points: counts per settlement only (aggregation)")}.get(method, method)


def privacy_section(ws, account: Account) -> None:  # noqa: ANN001 - a workspace store
    """The section, for an administrator of the municipality (the Data page checks the role)."""
    _ = tr()
    data = load_data()
    now = policy_for(data)
    with st.expander(_("Privacy for viewers"), expanded=bool(st.session_state.get(SAVED_KEY))):
        if saved := st.session_state.pop(SAVED_KEY, None):
            st.success(saved)
        st.caption(_("Council members, prevention-centre staff and the public never see where an incident was "
                     "recorded. Choose how their maps hide it; analysts and administrators always see the exact "
                     "points."))
        st.caption(_.message(now.describe(lang=_.lang)))
        with st.form("privacy_policy"):
            method = st.radio(_("How viewers see incidents"), list(METHODS), index=list(METHODS).index(now.method),
                              format_func=lambda m: method_words(m, _), key="priv_method")
            c1, c2, c3 = st.columns(3)
            min_m = c1.number_input(_("Move at least (m)"), 10.0, 5000.0, float(now.min_m), 10.0, key="priv_min_m",
                                    help=_("No point a viewer sees is nearer than this to any recorded incident."))
            max_m = c2.number_input(_("Move at most (m)"), 20.0, 20000.0, float(now.max_m), 10.0, key="priv_max_m",
                                    help=_("Donut masking: the largest random move."))
            k = c3.number_input(_("Incidents per street point, at least"), 2, 100, int(now.k), 1, key="priv_k",
                                help=_("Anonymous map points: each stands for at least this many incidents."))
            min_count = c1.number_input(_("Smallest count shown"), 2, 20, int(now.min_count), 1, key="priv_min_count",
                                        help=_("Counts below this are shown as \"fewer than\" on viewers' maps, "
                                               "tables and files."))
            labels = data.categories.labels(_)
            extra = [c for c in data.categories.keys if c not in SENSITIVE_CATEGORIES]
            sensitive = st.multiselect(
                _("Also shown only as counts per settlement"), extra,
                default=[c for c in sorted(now.sensitive) if c in extra], format_func=lambda c: labels.get(c, c),
                key="priv_sensitive", placeholder=_("Choose categories"),
                help=_("Domestic violence and sexual offences always are."))
            go = st.form_submit_button(_("Save the privacy settings"), type="primary")
        if go:
            try:
                policy = PrivacyPolicy(method=method, min_m=float(min_m), max_m=float(max_m), k=int(k),
                                       min_count=int(min_count)).with_sensitive(sensitive)
                ws.write({}, meta=policy.to_meta())
            except (ValueError, WorkspaceError) as exc:
                st.error(_.message(str(exc)))
                return
            record(account, "privacy_change", f"{ws.name}: {policy.params()}")
            st.cache_resource.clear()
            st.session_state[SAVED_KEY] = _("Saved. Viewers' maps use these settings from their next page on.")
            st.rerun()
