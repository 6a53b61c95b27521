"""Every record's Markdown body -> the HTML its page shows (links pointed under the site's
path). Pure; the body cache (portal.cache) wraps it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from portal.content import links
from portal.model.site import Site
from portal.pages.context import CHECK_EVERY
from portal.runtime.cancel import checkpoint


def body_sources(site: Site) -> dict[str, str]:
    """Every record's Markdown body, by record path."""
    return {path: record.body for path, record in site.records.items()}


BodyProgress = Callable[[int, int], None]  # (bodies done, bodies in all)


def render_sources(
    sources: Mapping[str, str], base_path: str, progress: BodyProgress | None = None
) -> dict[str, str]:
    """{record path: Markdown} -> {record path: the body as its page shows it: sanitised
    HTML, links pointed under `base_path`}. Pure (the body cache wraps it).

    In this process: cmark-gfm renders a body in well under a millisecond, and the
    hostile ones (benchmarks/hostile_bodies.py) in milliseconds, a 4 MiB text in about
    a second. `progress(done, total)` is told how far it has got, about a hundred times.
    """
    html: dict[str, str] = {}
    total = len(sources)
    every = max(1, total // 100)
    for done, (path, source) in enumerate(sources.items(), start=1):
        if done % CHECK_EVERY == 1:
            checkpoint()
        html[path] = links.to_html(source, path, base_path)
        if progress is not None and (done == total or done % every == 0):
            progress(done, total)
    return html


def render_bodies(site: Site) -> dict[str, str]:
    return render_sources(body_sources(site), site.config.base_path)
