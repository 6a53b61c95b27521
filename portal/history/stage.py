"""The history stage of a build: each record's history read (or remembered) and attached
to the `Site`; the preview's uncommitted records marked; what a record's page shows of it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from portal.history.git import read_history
from portal.history.memory import load_memory, save_memory
from portal.model.records import Agreement, Event, Page, Partner, RecordHistory, Revision
from portal.model.site import Site, history_key
from portal.model.values import Problem

SHOWN = 5  # the latest revisions a page shows; older ones are folded


@dataclass(frozen=True)
class HistoryView:
    """What a record's History section shows: the latest revisions, the older ones
    (folded), the first published version, and the notes."""

    recent: tuple[Revision, ...]
    older: tuple[Revision, ...]
    first: Revision | None
    complete: bool
    uncommitted: bool


def history_view(history: RecordHistory | None, shown: int = SHOWN) -> HistoryView | None:
    if history is None:
        return None
    later = history.later
    return HistoryView(
        later[:shown], later[shown:], history.first, history.complete, history.uncommitted
    )


def add_history(
    site: Site, content: Path, shown: str | None, folder: Path | None
) -> tuple[Site, tuple[Problem, ...]]:
    """The site with each record's history, and the warnings of reading it (a shallow
    clone); the site as it was when `content` is not in a git repository. With `folder`
    (the cache folder), what this build read is kept there for the next."""
    zone = site.config.time_zone
    earlier = load_memory(folder, content, zone) if folder is not None else None
    found = read_history(content, zone, shown, earlier, uncommitted=site.preview)
    if found is None:
        return site, ()
    if folder is not None and found.log is not None and found.log is not earlier:
        save_memory(folder, content, zone, found.log)
    return dataclasses.replace(site, history=found.records), found.warnings


def mark_uncommitted(site: Site, records: Iterable[Agreement | Partner | Event | Page]) -> Site:
    """The site with `records` (just saved, in the preview) marked as not yet committed,
    when the site has a history at all."""
    if not site.history:
        return site
    history = dict(site.history)
    for record in records:
        key = history_key(record)
        history[key] = replace(history.get(key, RecordHistory()), uncommitted=True)
    return dataclasses.replace(site, history=history)
