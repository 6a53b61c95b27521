"""Site -> output files: every page, feed and data file, in memory. Pure but for reading templates.

Each part of the site is one stage, a function `(RenderContext) -> Iterable[OutputFile]`
in its own module; `STAGES` lists them. Markdown bodies are rendered once, up front.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import jinja2

from portal import links, urls, views
from portal.bodies import Progress as BodyProgress
from portal.bodies import render_bodies as render_markdown
from portal.fields import country_name
from portal.model import Agreement, Event, Page, PartialDate, Partner, Problem, Site
from portal.output import OutputFile


class RenderError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class RenderContext:
    site: Site
    env: jinja2.Environment
    bodies: dict[str, str]  # record path -> sanitised HTML of its body

    def page(self, url: str, template: str, **values: object) -> OutputFile:
        """Render one HTML page published at `url`."""
        try:
            html = self.env.get_template(template).render(site=self.site, url=url, **values)
        except jinja2.TemplateError as exc:
            where = getattr(exc, "filename", None) or template
            line = getattr(exc, "lineno", None) or 0
            raise RenderError([Problem(str(where), line, "", f"template error: {exc}")]) from exc
        return OutputFile(urls.output_path(url), html.encode("utf-8"))


Stage = Callable[[RenderContext], Iterable[OutputFile]]
# A post stage runs after every stage and sees what they produced (e.g. the search index,
# which covers only pages that exist). It may add files, never replace one.
PostStage = Callable[[RenderContext, Mapping[str, OutputFile]], Iterable[OutputFile]]


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process (the preview server rebuilds
    many times). Jinja checks each entry against a hash of the template's source, so an
    edited template is compiled afresh: the output is the same as without the cache."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


_BYTECODE = _MemoryBytecodeCache()


def make_env(templates: Path, site: Site) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        bytecode_cache=_BYTECODE,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    config = site.config
    env.filters["href"] = lambda url: urls.href(config, url)
    env.filters["absolute"] = lambda url: urls.absolute(config, url)
    env.filters["country"] = country_name
    env.filters["date"] = lambda d: d.display() if isinstance(d, PartialDate) else str(d)
    env.globals["urls"] = urls
    # What the base layout shows on every page: the main navigation and the build day.
    env.globals["menu"] = views.nav(site)
    env.globals["build_day"] = PartialDate.of(site.today)
    return env


def body_sources(site: Site) -> dict[str, str]:
    """Every record's Markdown body, by record path."""
    records: list[Agreement | Partner | Event | Page] = [
        *site.agreements,
        *site.partners,
        *site.events,
        *site.pages,
    ]
    return {record.path: record.body for record in records}


def render_sources(
    sources: Mapping[str, str], progress: BodyProgress | None = None
) -> dict[str, str]:
    """{record path: Markdown} -> {record path: sanitised HTML}. Pure (the body cache wraps it).

    Each body renders under portal.bodies' time limit, on every core for a large site; a
    body that runs away or fails is a `body` problem (line 0: the pipeline knows where
    the body starts), all of them in one RenderError.
    """
    html, problems = render_markdown(list(sources.items()), progress=progress)
    if problems:
        raise RenderError(problems)
    return html


def render_bodies(site: Site) -> dict[str, str]:
    return render_sources(body_sources(site))


def static_files(context: RenderContext) -> Iterable[OutputFile]:
    for item in context.site.static:
        yield OutputFile(urls.static(item.rel), source=item.source)


def stages() -> list[Stage]:
    from portal import feeds, ical, opendata, pages

    return [
        pages.render_pages,
        pages.copy_assets,
        static_files,
        feeds.render_feeds,
        opendata.render_opendata,
        ical.render_calendar,
    ]


def post_stages() -> list[PostStage]:
    from portal import search, seo

    # seo last: its sitemap lists every page the stages before it produced.
    return [search.render_search, seo.render_seo]


def render(
    site: Site, templates: Path, bodies: Mapping[str, str] | None = None
) -> list[OutputFile]:
    """Every output file. `bodies` are the bodies already rendered (record path -> HTML, as
    `render_bodies` gives them, e.g. from the body cache); without them they are rendered here."""
    rendered = dict(bodies) if bodies is not None else render_bodies(site)
    # Links between records (`/partners/x/`, `../partners/x.md`) -> their pages under base_url.
    base_path = site.config.base_path
    rendered = {path: links.rewrite(html, path, base_path) for path, html in rendered.items()}
    context = RenderContext(site, make_env(templates, site), rendered)
    outputs: dict[str, OutputFile] = {}

    def add(produced: Iterable[OutputFile]) -> None:
        for output in produced:
            if output.path in outputs:
                raise RenderError(
                    [Problem(output.path, 0, "", "two parts of the site write this file")]
                )
            outputs[output.path] = output

    for stage in stages():
        add(stage(context))
    for post_stage in post_stages():
        add(list(post_stage(context, MappingProxyType(dict(outputs)))))
    return [outputs[path] for path in sorted(outputs)]
