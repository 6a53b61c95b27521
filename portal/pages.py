"""The HTML pages of the public site."""

from __future__ import annotations

from collections.abc import Iterable

from portal import urls
from portal.output import OutputFile
from portal.render import RenderContext


def render_pages(context: RenderContext) -> Iterable[OutputFile]:
    site = context.site
    yield context.page(urls.home(), "home.html")
    for agreement in site.agreements:
        yield context.page(
            urls.agreement(agreement.slug),
            "agreement.html",
            agreement=agreement,
            body=context.bodies[agreement.path],
        )
