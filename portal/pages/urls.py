"""Where things are published: the only module that knows the URL layout.

A `url` here is relative to base_url and never starts with "/": `agreements/x/`.
`href` makes it a site-absolute path under base_url's path (`/portal/agreements/x/`),
`absolute` a full URL for feeds, sitemaps and canonical links.
"""

from __future__ import annotations

from portal.model.records import SiteConfig


def home() -> str:
    return ""


def agreements() -> str:
    return "agreements/"


def agreement(slug: str) -> str:
    return f"agreements/{slug}/"


def partners() -> str:
    return "partners/"


def partner(slug: str) -> str:
    return f"partners/{slug}/"


def partner_feed(slug: str) -> str:
    return f"partners/{slug}/feed.xml"


def area(slug: str) -> str:
    return f"areas/{slug}/"


def agency(slug: str) -> str:
    return f"agencies/{slug}/"


def event(slug: str) -> str:
    return f"events/{slug}/"


def page(slug: str) -> str:
    return f"{slug}/"


def timeline() -> str:
    return "timeline/"


def search() -> str:
    return "search/"


def feed() -> str:
    return "feed.xml"


def data(name: str) -> str:
    return f"data/{name}"


def static(rel: str) -> str:
    return f"static/{rel}"


def asset(name: str) -> str:
    return f"assets/{name}"


def output_path(url: str) -> str:
    """The file that serves a URL: `agreements/x/` -> `agreements/x/index.html`."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def href(config: SiteConfig, url: str) -> str:
    return config.base_path + url


def absolute(config: SiteConfig, url: str) -> str:
    return config.base_url + url
