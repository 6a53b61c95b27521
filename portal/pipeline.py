"""The stages in order: load -> validate -> assemble -> render -> write.

`check_site` runs the checks only; `build_site` also renders and writes. Both
return every problem at once; neither writes anything when there is an error.
With a cache, what the check learns from one file on its own (`check_file`) is
taken from it for every file that did not change; the checks across files run on
every build.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from portal.content.assemble import assemble
from portal.content.config import parse_config
from portal.content.links import Known, check_item, known_targets
from portal.content.load import load
from portal.content.validate import Checked, Parsed, check_file
from portal.model.site import Site
from portal.model.values import Problem
from portal.publish.write import Staging, WriteReport, write
from portal.runtime.cancel import Cancelled, cancellable, checkpoint
from portal.runtime.cores import PARALLEL_MIN_FILES, map_on_cores

if TYPE_CHECKING:
    from portal.cache.store import BodyCache
    from portal.cache.unchanged import LastBuild, Memo
    from portal.model.output import OutputFile
    from portal.outputs.search_index import IndexRun
    from portal.pages.context import RenderError


@dataclass(frozen=True)
class Result:
    site: Site | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()
    report: WriteReport | None = None
    search_later: SearchLater | None = None  # a build that left its search index for later
    # What the checks learnt, for the preview's quick rebuilds (see portal.preview.quick):
    checked: Mapping[str, Checked] = field(default_factory=dict)  # each file's own check
    known: Known | None = None  # what bodies may link to
    cancelled: bool = False  # stopped by `cancelled()` before writing anything
    # A build that had nothing to do (portal.cache.unchanged): what the last build reported.
    unchanged: LastBuild | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _sort(problems: list[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda p: (p.path, p.line, p.field, p.message)))


def render_problems(exc: RenderError) -> tuple[Problem, ...]:
    """The problems of a failed render, sorted."""
    return _sort(list(exc.problems))


def check_site(
    content: Path,
    today: dt.date,
    preview: bool = False,
    shown_root: str | None = None,
    base_url: str | None = None,
    cache: BodyCache | None = None,
) -> Result:
    """Load and check everything under content; return the site or every problem.

    `base_url`, when given (already checked, ending with "/"), replaces site.yaml's: the
    address the site is published at, such as the one GitHub Pages reports. With a
    `cache`, files checked by an earlier run are not parsed again; the result is the same.
    """
    raw = load(content, shown_root)
    errors = list(raw.problems)
    config = None
    if raw.site_yaml is not None:
        config, config_problems = parse_config(raw.site_yaml.text, raw.site_yaml.path)
        errors.extend(config_problems)
        if config is not None and base_url is not None:
            config = replace(config, base_url=base_url)
    checkpoint()
    if cache is None:
        checked = map_on_cores(check_file, raw.files, PARALLEL_MIN_FILES)
    else:
        checked = cache.check_files(raw.files, check_file, Checked)
    checkpoint()
    parsed: list[Parsed] = [c.parsed for c in checked]
    for item in parsed:
        errors.extend(item.problems)
    if config is None:
        return Result(None, _sort(errors))
    site, cross_errors, warnings = assemble(config, parsed, raw.static, today, preview)
    errors.extend(cross_errors)
    warnings.extend(w for one in checked for w in one.warnings)
    checkpoint()
    known = known_targets(parsed, config, raw.static, preview)
    for one in checked:
        errors.extend(check_item(one.parsed, one.links, known))
    if errors:
        return Result(None, _sort(errors), _sort(warnings))
    by_path = {one.parsed.path: one for one in checked}
    assert site is not None  # assemble makes one when it finds no error
    site = replace(site, warnings=_sort(warnings))
    return Result(site, (), site.warnings, checked=by_path, known=known)


def build_site(
    content: Path,
    out: Path,
    today: dt.date,
    templates: Path,
    preview: bool = False,
    shown_root: str | None = None,
    base_url: str | None = None,
    cache: BodyCache | None = None,
    progress: Progress | None = None,
    search_later: bool = False,
    cancelled: Callable[[], bool] | None = None,
    write_lock: AbstractContextManager[object] | None = None,
    history: bool = True,
    skip_unchanged: bool = True,
) -> Result:
    """Check, render every page into the staging folder, and only then publish it.

    With a `cache`, Markdown bodies rendered by an earlier build are taken from it and
    only new or changed ones are rendered; the output is the same byte for byte.
    `progress(stage, done, total)` is told how far the rendering of bodies has got.
    With `search_later`, the search index is not made: the search bundle already in the
    folder is left as it is, and `Result.search_later` makes the new one when asked.
    `cancelled()`, when given, is asked now and then as the stages run (see
    portal.runtime.cancel) and once more just before writing, inside `write_lock` (held while
    the folder is written): once it says yes, the build stops and returns a Result with
    `cancelled` set, having written nothing. With `history`, each record's history is
    read from the git repository that holds `content`, if any (portal.history).
    With `skip_unchanged`, a build with a `cache` whose inputs are those of the last
    build into `out`, which is still as that build left it, has nothing to do: it
    returns at once, with `unchanged` set (portal.cache.unchanged); the preview's builds
    always run.
    """
    from portal.outputs.search_index import BUNDLE
    from portal.pages.bodies import body_sources
    from portal.pages.context import RenderError
    from portal.render import render

    memo = None
    if cache is not None and skip_unchanged and not search_later and cancelled is None:
        memo = _memo(cache, content, out, templates, today, preview, shown_root, base_url, history)
        last = memo.recall() if memo is not None else None
        if last is not None:
            return Result(None, (), last.warnings, report=last.report, unchanged=last)
    try:
        with cancellable(cancelled):
            result = check_site(content, today, preview, shown_root, base_url, cache)
            if history:
                result = _with_history(result, content, shown_root, cache)
            if result.site is None:
                return result
            checkpoint()
            base_path = result.site.config.base_path
            renderer = _with_progress(progress, base_path)
            sources = body_sources(result.site)
            bodies = (
                cache.render(sources, renderer, base_path)
                if cache is not None
                else renderer(sources)
            )
            checkpoint()
            later: dict[str, bytes] | None = {} if search_later else None
            known = cache.lookup_stamps(out) if cache is not None else None
            keep = BUNDLE if later is not None else None
            # Pages go into the staging folder as they are rendered; any error (or a
            # cancellation) removes it and leaves the published folder as it was.
            with Staging(out, known, keep=keep) as staging:
                # `render` gets the only reference to the bodies, and lets them go before
                # it waits for Pagefind (see portal.runtime.memory).
                handed, bodies = [bodies], {}
                render(result.site, templates, handed.pop(), cache, later, sink=staging)
                with write_lock if write_lock is not None else nullcontext():
                    if cancelled is not None and cancelled():
                        raise Cancelled
                    report = staging.commit()
            if cache is not None:
                cache.store_stamps(out, report.stamps)
            if memo is not None and later is None:
                memo.keep(len(result.site.agreements), report, result.warnings)
    except Cancelled:
        return Result(None, (), cancelled=True)
    except RenderError as exc:
        return Result(None, render_problems(exc), result.warnings)
    if later is None:
        return replace(result, report=report)
    index = SearchLater(MappingProxyType(later), result.site.config.language, out, cache)
    return replace(result, report=report, search_later=index)


def _memo(
    cache: BodyCache,
    content: Path,
    out: Path,
    templates: Path,
    today: dt.date,
    preview: bool,
    shown_root: str | None,
    base_url: str | None,
    history: bool,
) -> Memo | None:
    """The memory of the last build into `out`, for a build with these inputs (None when
    an input cannot be read)."""
    from portal.cache.unchanged import Memo, inputs_key
    from portal.history.git import commit_of
    from portal.pages.html import ASSETS

    options = (str(content.resolve()), str(out.resolve()), today, preview, shown_root, base_url)
    commit = commit_of(content) if history else "(no history)"
    key = inputs_key((content, templates, ASSETS), (*options, history), commit)
    return Memo(cache, out, key) if key is not None else None


def _with_history(
    result: Result, content: Path, shown: str | None, cache: BodyCache | None
) -> Result:
    """The checked site with each record's history (see portal.history)."""
    from portal.history.stage import add_history

    if result.site is None:
        return result
    site, warnings = add_history(result.site, content, shown, cache.folder if cache else None)
    return replace(result, site=site, warnings=_sort([*result.warnings, *warnings]))


@dataclass(frozen=True)
class SearchLater:
    """The search index a build left for later: `start()` starts Pagefind on the pages
    written (an IndexRun: `result()` waits for the bundle, raising RenderError if Pagefind
    failed or was stopped by `cancel()`), `write(bundle)` puts it in the site folder,
    replacing only the files under pagefind/."""

    digests: Mapping[str, bytes]  # output path -> SHA-256 of the page's bytes
    language: str
    out: Path
    cache: BodyCache | None

    def start(self) -> IndexRun:
        from portal.outputs.search_index import start_index

        pages = {rel: self.out / rel for rel in self.digests}
        return start_index(pages, self.digests, self.language, self.cache)

    def write(self, bundle: list[OutputFile]) -> WriteReport:
        """Write `bundle` (`run.result()`) as the only files under pagefind/."""
        from portal.outputs.search_index import BUNDLE

        return write(bundle, self.out, only=BUNDLE)


Progress = Callable[[str, int, int], None]
"""`progress(stage, done, total)`: how far a long step has got, for a terminal display."""


def _with_progress(
    progress: Progress | None, base_path: str
) -> Callable[[Mapping[str, str]], dict[str, str]]:
    """The body renderer, telling `progress` as it goes (only bodies not in the cache)."""
    from portal.pages.bodies import render_sources

    def run(sources: Mapping[str, str]) -> dict[str, str]:
        if progress is None:
            return render_sources(sources, base_path)
        return render_sources(
            sources, base_path, lambda done, total: progress("rendering bodies", done, total)
        )

    return run
