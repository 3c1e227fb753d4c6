"""Publishing: frozen, masked maps and packs for viewers or the public (issue 15, item 4).

An analyst publishes a map or the action-plan pack; a viewer of the municipality, or anyone with the
public role, reads it. What is published is a file made once from masked data (:mod:`geo.publish.make`
refuses recorded incidents) and kept as made with its parameters (:mod:`geo.publish.shelf`), never a
live view of the workspace: later imports change nothing in it, and withdrawing it takes it off the
list for everyone.

Modules: :mod:`~geo.publish.make` (the files and their parameters), :mod:`~geo.publish.shelf` (the
publications kept in the municipality's workspace: publish, list, read, withdraw).
"""

from __future__ import annotations

from geo.publish.shelf import (AUDIENCES, MAX_BYTES, PUBLISHED_TABLE, WITHDRAWN_TABLE, Publication, publication_file,
                               publications, publish, withdraw)

__all__ = ["AUDIENCES", "MAX_BYTES", "PUBLISHED_TABLE", "WITHDRAWN_TABLE", "Publication", "publication_file",
           "publications", "publish", "withdraw"]
