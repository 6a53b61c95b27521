"""The preview's quick rebuild: the pages of the records saved, before the rest of the site.

An editor mostly edits one record and saves, again and again. `quick_pages` covers the
commonest case: no page but the record's own shows its body (lists, indexes, the timeline
and every other page show front matter only, see portal.pages.views), so when each file saved
since the last full build differs from what that build checked in its body alone, only
those records' pages are rendered (about 40 ms at 4,000 agreements). `checked_pages`
covers other edits of records (a front matter field, a new record): the whole content is
checked again, as a build does (under a second at 4,000 with the check cache), and only the
saved records' pages are rendered from the new site; a problem anywhere is returned, as
the build would report it. Either way the preview writes those pages and reloads them,
and a full build, run right after in the background, brings every other page, the feeds,
open data and the search index up to date. A quick page is byte for byte the page the
full build makes of the same content (tests/preview/test_quick.py).

An edit of site.yaml, a template or an asset, the removal of every saved record, or more
than `MAX_RECORDS` records saved since the last full build (a `git pull`, say) is not
quick (None): the preview runs the full build first, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from portal.content.links import Known, check_item
from portal.content.load import is_record_path, load_record
from portal.content.validate import Checked, Parsed, check_file
from portal.history.stage import mark_uncommitted
from portal.model.output import OutputFile
from portal.model.site import Site
from portal.model.values import Problem
from portal.pages.bodies import render_sources
from portal.pages.context import RenderContext, RenderError
from portal.pages.environment import make_env
from portal.pages.html import Record, record_task
from portal.pipeline import check_site, render_problems

if TYPE_CHECKING:
    from portal.cache.store import BodyCache


MAX_RECORDS = 20  # more saved records than this: the full build is as quick


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


def _without_body(parsed: Parsed) -> Parsed:
    record = parsed.record
    return replace(parsed, body="", record=replace(record, body="") if record else None)


@dataclass(frozen=True)
class Quick:
    """The saved records' pages, or the problems that stop them, as a build reports them."""

    pages: tuple[OutputFile, ...] = ()
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()


def quick_pages(
    basis: Basis, paths: Iterable[Path], cache: BodyCache | None = None
) -> Quick | None:
    """The pages of the records at `paths` (files saved since the basis was made), when
    each differs from its check in the basis in its body alone (or the problem of a body
    that does not render); None when the edit needs more."""
    paths = sorted(set(paths))
    if len(paths) > MAX_RECORDS:
        return None
    records = basis.site.records
    edited: list[Record] = []
    for path in paths:
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
        edited.append(replace(record, body=now.parsed.body))
    if not edited:
        return None
    return _pages(basis.site, basis.templates, edited, cache, basis.site.warnings)


def checked_pages(
    basis: Basis, paths: Iterable[Path], cache: BodyCache | None = None
) -> Quick | None:
    """The pages of the saved records at `paths`, from a new check of all the content (on
    the basis's day), or every problem it has; None when a saved file is not a record
    (site.yaml, a template...) or no saved record is left to show."""
    paths = sorted(set(paths))
    if len(paths) > MAX_RECORDS:
        return None
    shown: set[str] = set()
    for path in paths:
        if not is_record_path(basis.content, path):
            return None
        raw = load_record(basis.content, path, basis.shown_root)
        if raw is not None:  # else removed: the full build takes its pages away
            shown.add(raw.path)
    if not shown:
        return None
    result = check_site(
        basis.content, basis.site.today, preview=True, shown_root=basis.shown_root, cache=cache
    )
    if result.site is None:
        return Quick(errors=result.errors, warnings=result.warnings)
    edited = [record for path, record in result.site.records.items() if path in shown]
    site = replace(result.site, history=basis.site.history)
    return _pages(site, basis.templates, edited, cache, result.warnings)


def _pages(
    site: Site,
    templates: Path,
    records: list[Record],
    cache: BodyCache | None,
    warnings: tuple[Problem, ...],
) -> Quick:
    """The pages of `records` in `site`, or the problems of the templates that failed.
    A saved record of a site kept in git is one not yet committed (portal.history)."""
    site = mark_uncommitted(site, records)
    sources = {record.path: record.body for record in records}
    base_path = site.config.base_path

    def renderer(missing: Mapping[str, str]) -> dict[str, str]:
        return render_sources(missing, base_path)

    try:
        bodies = cache.render(sources, renderer, base_path) if cache else renderer(sources)
        context = RenderContext(site, make_env(templates, site), bodies)
        pages = context.pages([record_task(site, record, bodies) for record in records])
    except RenderError as exc:
        return Quick(errors=render_problems(exc), warnings=warnings)
    return Quick(pages=tuple(pages), warnings=warnings)
