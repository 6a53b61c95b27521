"""The HTML pages of the public site, and the stylesheet and scripts they use.

Two render stages: `render_pages` writes every page of the URL contract but search,
feeds and open data (each page gets its view from `portal.views` or `portal.timeline`);
`copy_assets` publishes the repository's `assets/` folder at `assets/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from portal import timeline, urls, views
from portal.output import OutputFile
from portal.render import PageTask, RenderContext

ASSETS = Path(__file__).resolve().parent.parent / "assets"
NOT_FOUND = "404.html"


def render_pages(context: RenderContext) -> Iterable[OutputFile]:
    return context.pages(page_tasks(context))


def page_tasks(context: RenderContext) -> list[PageTask]:
    """Every page of this stage, with the values its template is given."""
    site = context.site
    bodies = context.bodies
    tasks = [
        PageTask(urls.home(), "home.html", {"view": views.home(site)}),
        PageTask(urls.agreements(), "agreements.html", {"view": views.agreements_index(site)}),
    ]
    for agreement in site.agreements:
        tasks.append(
            PageTask(
                urls.agreement(agreement.slug),
                "agreement.html",
                {"view": views.agreement_view(site, agreement), "body": bodies[agreement.path]},
            )
        )
    tasks.append(PageTask(urls.partners(), "partners.html", {"view": views.partners_index(site)}))
    for partner in site.partners:
        tasks.append(
            PageTask(
                urls.partner(partner.slug),
                "partner.html",
                {"view": views.partner_view(site, partner), "body": bodies[partner.path]},
            )
        )
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
    for event in site.events:
        tasks.append(
            PageTask(
                urls.event(event.slug),
                "event.html",
                {"view": views.event_view(site, event), "body": bodies[event.path]},
            )
        )
    for page in site.pages:
        tasks.append(
            PageTask(urls.page(page.slug), "page.html", {"page": page, "body": bodies[page.path]})
        )
    tasks.append(
        PageTask(
            urls.timeline(),
            "timeline.html",
            {
                "years": timeline.years(site),
                "overview": timeline.overview(site),
                "undated": views.rows(site, timeline.undated(site)),
            },
        )
    )
    tasks.append(PageTask(NOT_FOUND, "404.html"))
    return tasks


def copy_assets(context: RenderContext, folder: Path = ASSETS) -> Iterable[OutputFile]:
    """Every file of the repository's assets/ folder (the stylesheet, the scripts)."""
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        yield OutputFile(urls.asset(path.relative_to(folder).as_posix()), source=str(path))
