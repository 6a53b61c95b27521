"""The preview's quick rebuild: when only the bodies of records changed, only their pages.

An editor mostly edits the text of one record and saves, again and again. No page but the
record's own shows its body (lists, indexes, the timeline and every other page show front
matter only, see portal.views), so when each file saved since the last full build differs
from what that build checked in its body alone, the preview writes those records' pages
at once and reloads them, and a full build, run right after in the background, brings the
feeds, open data and search index up to date. A quick page is byte for byte the page the
full build makes of the same content (tests/test_quick.py).

Anything else is not quick, and `quick_pages` says so (None): a changed front matter field,
a new, removed or unreadable file, site.yaml, a template, an asset, or a body with a
problem (a broken link, a body that does not render). The preview then runs the full
build, which reports every problem as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from portal import links
from portal.links import Known, check_item
from portal.load import load_record
from portal.model import Site
from portal.output import OutputFile
from portal.pages import Record, record_task
from portal.render import RenderContext, RenderError, make_env, render_sources
from portal.validate import Checked, Parsed, check_file

if TYPE_CHECKING:
    from portal.cache import BodyCache


@dataclass(frozen=True)
class Basis:
    """What a good full build leaves for quick rebuilds: where it read and its templates,
    the site it made, each file's own check (by shown path) and what bodies may link to."""

    content: Path
    shown_root: str | None
    templates: Path
    site: Site
    checked: Mapping[str, Checked]
    known: Known


def _records(site: Site) -> dict[str, Record]:
    records: list[Record] = [*site.agreements, *site.partners, *site.events, *site.pages]
    return {record.path: record for record in records}


def _without_body(parsed: Parsed) -> Parsed:
    record = parsed.record
    return replace(parsed, body="", record=replace(record, body="") if record else None)


def quick_pages(
    basis: Basis, paths: Iterable[Path], cache: BodyCache | None = None
) -> list[OutputFile] | None:
    """The pages of the records at `paths` (files saved since the basis was made), when
    each differs from its check in the basis in its body alone; None when the edit needs
    a full build."""
    records = _records(basis.site)
    sources: dict[str, str] = {}
    edited: list[Record] = []
    for path in sorted(set(paths)):
        raw = load_record(basis.content, path, basis.shown_root)
        if raw is None:
            return None
        before, record = basis.checked.get(raw.path), records.get(raw.path)
        if before is None or record is None:
            return None
        now = check_file(raw)
        if now.parsed.problems or _without_body(now.parsed) != _without_body(before.parsed):
            return None
        if check_item(now.parsed, now.links, basis.known):
            return None
        sources[record.path] = now.parsed.body
        edited.append(replace(record, body=now.parsed.body))
    if not edited:
        return None
    try:
        html = cache.render(sources, render_sources) if cache else render_sources(sources)
        base_path = basis.site.config.base_path
        bodies = {path: links.rewrite(text, path, base_path) for path, text in html.items()}
        context = RenderContext(basis.site, make_env(basis.templates, basis.site), bodies)
        return context.pages([record_task(basis.site, record, bodies) for record in edited])
    except RenderError:
        return None
