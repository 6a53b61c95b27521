"""The HTML pages of the public site, and the stylesheet and scripts they use.

Two render stages: `render_pages` writes every page of the URL contract but search,
feeds and open data (each page gets its view from `portal.pages.views` or `portal.pages.timeline`);
`copy_assets` publishes the repository's `assets/` folder at `assets/`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from portal.history.stage import history_view
from portal.model.output import OutputFile
from portal.model.records import Agreement, Event, Page, Partner
from portal.model.site import Site
from portal.pages import rows, timeline, urls, views
from portal.pages.context import RenderContext
from portal.pages.search_data import search_data
from portal.pages.task import PageTask
from portal.runtime.cancel import checkpoint

ASSETS = Path(__file__).resolve().parents[2] / "assets"
NOT_FOUND = "404.html"
Record = Agreement | Partner | Event | Page


def render_pages(context: RenderContext) -> Iterable[OutputFile]:
    return context.iter_pages(page_tasks(context))


def page_tasks(context: RenderContext) -> list[PageTask]:
    """Every page of this stage, with the values its template is given: the records'
    pages first, in the order of their paths (the order the search index takes them in,
    as they come), then the others."""
    site = context.site
    bodies = context.bodies
    records: list[Record] = [*site.agreements, *site.partners, *site.events, *site.pages]
    tasks = sorted(
        (record_task(site, record, bodies) for record in records),
        key=lambda task: urls.output_path(task.url),
    )
    tasks.append(PageTask(urls.home(), "home.html", {"view": views.home(site)}))
    tasks.append(
        PageTask(urls.agreements(), "agreements.html", {"view": views.agreements_index(site)})
    )
    tasks.append(PageTask(urls.partners(), "partners.html", {"view": views.partners_index(site)}))
    for area in site.config.areas:
        tasks.append(
            PageTask(
                urls.area(area.slug),
                "area.html",
                {"area": area, "view": views.area_view(site, area)},
            )
        )
    for agency in site.config.agencies:
        tasks.append(
            PageTask(
                urls.agency(agency.slug),
                "agency.html",
                {"agency": agency, "view": views.agency_view(site, agency)},
            )
        )
    tasks.append(
        PageTask(
            urls.timeline(),
            "timeline.html",
            {
                "years": timeline.years(site),
                "overview": timeline.overview(site),
                "undated": rows.rows(site, timeline.undated(site)),
            },
        )
    )
    tasks.append(PageTask(NOT_FOUND, "404.html"))
    return tasks


def record_task(site: Site, record: Record, bodies: Mapping[str, str]) -> PageTask:
    """The page of one record (agreement, partner, event or free page), with its body and
    what it gives the search index (`search`: None when it is not indexed)."""
    checkpoint()  # thousands of views on a large site
    values: dict[str, object] = {
        "body": bodies[record.path],
        "search": search_data(site, record),
    }
    if not isinstance(record, Page):
        values["history"] = history_view(site.history_of(record))
    if isinstance(record, Agreement):
        values["view"] = views.agreement_view(site, record)
        return PageTask(urls.agreement(record.slug), "agreement.html", values)
    if isinstance(record, Partner):
        values["view"] = views.partner_view(site, record)
        return PageTask(urls.partner(record.slug), "partner.html", values)
    if isinstance(record, Event):
        values["view"] = views.event_view(site, record)
        return PageTask(urls.event(record.slug), "event.html", values)
    values["page"] = record
    return PageTask(urls.page(record.slug), "page.html", values)


def copy_assets(context: RenderContext, folder: Path = ASSETS) -> Iterable[OutputFile]:
    """Every file of the repository's assets/ folder (the stylesheet, the scripts)."""
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        yield OutputFile(urls.asset(path.relative_to(folder).as_posix()), source=str(path))
