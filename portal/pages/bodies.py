"""Every record's Markdown body -> the HTML its page shows (links pointed under the site's
path). Pure; the body cache (portal.cache) wraps it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from portal.content import links
from portal.model.site import Site
from portal.runtime.cancel import checkpoint
from portal.runtime.cores import map_on_cores

PARALLEL_MIN_BODIES = 400  # fewer bodies than this (about 40 ms of work) render here
BODIES_PER_ROUND = 1000  # bodies rendered between two reports of progress, at least
BODY_ROUNDS = 4  # else the bodies in this many rounds (each forks workers anew)


def body_sources(site: Site) -> dict[str, str]:
    """Every record's Markdown body, by record path."""
    return {path: record.body for path, record in site.records.items()}


BodyProgress = Callable[[int, int], None]  # (bodies done, bodies in all)


def render_sources(
    sources: Mapping[str, str], base_path: str, progress: BodyProgress | None = None
) -> dict[str, str]:
    """{record path: Markdown} -> {record path: the body as its page shows it: sanitised
    HTML, links pointed under `base_path`}. Pure (the body cache wraps it).

    cmark-gfm renders a body in well under a millisecond, and the hostile ones
    (benchmarks/hostile_bodies.py) in milliseconds, a 4 MiB text in about a second; many
    bodies render on every core (portal.runtime.cores), in rounds, so that
    `progress(done, total)` is told how far it has got and a cancelled build stops
    between rounds.
    """
    items = list(sources.items())
    total = len(items)
    render = functools.partial(_render_body, base_path)
    size = max(BODIES_PER_ROUND, -(-total // BODY_ROUNDS))
    html: dict[str, str] = {}
    for start in range(0, total, size):
        checkpoint()
        part = items[start : start + size]
        paths = [path for path, _ in part]
        html.update(zip(paths, map_on_cores(render, part, PARALLEL_MIN_BODIES), strict=True))
        if progress is not None:
            progress(len(html), total)
    return html


def _render_body(base_path: str, item: tuple[str, str]) -> str:
    path, source = item
    return links.to_html(source, path, base_path)


def render_bodies(site: Site) -> dict[str, str]:
    return render_sources(body_sources(site), site.config.base_path)
