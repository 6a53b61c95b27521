"""Links inside Markdown bodies: resolved against the site, checked, rewritten. Pure.

An editor links to another page of the register in either of two ways:

- by its URL on the site, from the site's root: `/partners/estonia/`, `/agreements/x/`,
  `/static/text.pdf`, `/about/` (what the public sees, without the base_url's path);
- by the content file, relative to the file being written, as on GitHub:
  `../partners/estonia.md`, `other-agreement.md`, `../static/text.pdf`.

`rewriter` turns both into the page's real address under `base_url`'s path
(`/cooperation/partners/estonia/`), as the body is rendered, so that they work wherever
the site is published; `check_body` reports every such link to a record or file that does
not exist, quoted with its text and its line. The links are those the renderer made
(`markup.read`): text in code, or text that only looks like a link, is not one.
External links (`https:`, `mailto:`, `//host`) and `#fragments` are left alone.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from portal.markdown import markup, settings
from portal.markdown.reading import Link
from portal.model.records import SiteConfig, StaticFile
from portal.model.values import Problem

if TYPE_CHECKING:  # a type only (validate does not import this module)
    from portal.content.validate import Parsed

# The folders of content/ that hold records, and what their URLs are called.
RECORD_SECTIONS = {
    "agreements": "agreement",
    "partners": "partner",
    "events": "event",
    "pages": "page",
}
VOCABULARIES = {"areas": "area", "agencies": "agency"}
# Pages and files that every build publishes (CONTENT-MODEL.md, "The published site").
FIXED = frozenset(
    {
        "",
        "agreements/",
        "partners/",
        "timeline/",
        "search/",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "data/",
        "data/agreements.json",
        "data/agreements.csv",
        "data/partners.json",
        "data/events.json",
        "data/calendar.ics",
    }
)
FIXED_PREFIXES = ("data/schema/",)

__all__ = ["Link"]  # as markup.read finds them

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Target:
    """Where a link inside the site goes: `url` relative to base_url, `suffix` its
    `?query#fragment` as written."""

    url: str
    suffix: str = ""


def section_of(record_path: str) -> str:
    """`content/agreements/x.md` -> `agreements`: the folder the record's file is in."""
    return PurePosixPath(record_path.replace("\\", "/")).parent.name


def resolve(href: str, section: str) -> Target | str | None:
    """Resolve a link written in a body of `section` (`agreements`, ...).

    Returns the Target, None for a link that leaves the site alone (external, mailto,
    `#fragment`), or a message saying why the link cannot point anywhere.
    """
    href = href.strip()
    if not href or href.startswith(("#", "//", "?")) or _SCHEME.match(href):
        return None
    cut = min((i for i in (href.find("?"), href.find("#")) if i >= 0), default=len(href))
    path, suffix = href[:cut], href[cut:]
    if path.startswith("/"):
        site_path = path.lstrip("/")
        if site_path.endswith(".md"):
            return _content_file(site_path)
        last = site_path.rsplit("/", 1)[-1]
        if site_path and last and "." not in last:
            site_path += "/"  # /partners/x -> /partners/x/, the page itself
        return Target(site_path, suffix)
    joined = posixpath.normpath(posixpath.join(section, path))
    if joined == ".." or joined.startswith("../"):
        return "points outside the content folder"
    found = _content_file(joined)
    return Target(found.url, suffix) if isinstance(found, Target) else found


def _content_file(path: str) -> Target | str:
    """A path inside content/ -> the URL that publishes it."""
    if path.startswith("static/") and len(path) > len("static/"):
        return Target(path)
    folder, _, name = path.rpartition("/")
    if name.endswith(".md") and folder in RECORD_SECTIONS:
        slug = name[: -len(".md")]
        return Target(f"{slug}/" if folder == "pages" else f"{folder}/{slug}/")
    return (
        "is not a file of the site; link to a record's file (like ../partners/estonia.md), "
        "a file in static/, or a page by its URL (like /partners/estonia/)"
    )


# --- rewriting ----------------------------------------------------------------------


def rewriter(record_path: str, base_path: str) -> Callable[[str], str | None]:
    """What points a body's links at their pages under `base_path` (`/portal/`), for
    `markup.to_html`: `#fragments` follow the heading ids, other URLs stay as written."""
    section = section_of(record_path)

    def relative(url: str) -> str | None:
        if url.startswith("#"):
            return markup.prefix_fragment(url)
        if url.startswith("//"):
            return url
        target = resolve(url, section)
        if not isinstance(target, Target):
            return url
        path, hash_, fragment = target.suffix.partition("#")
        if fragment and not fragment.startswith(settings.ID_PREFIX):
            fragment = settings.ID_PREFIX + fragment  # a heading of the other page's body
        return base_path + target.url + path + hash_ + fragment

    return relative


def to_html(source: str, record_path: str, base_path: str) -> str:
    """A record's body as its page shows it: rendered, links pointed under `base_path`."""
    return markup.to_html(source, rewriter(record_path, base_path))


# --- checking -----------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """What a body may link to. `records` maps a content folder to {slug: is a draft}."""

    records: Mapping[str, Mapping[str, bool]]
    areas: frozenset[str] = frozenset()
    agencies: frozenset[str] = frozenset()
    static: frozenset[str] = frozenset()  # paths under static/
    preview: bool = False  # drafts are published too
    fixed: frozenset[str] = field(default=FIXED)


def check_body(
    path: str,
    links: Iterable[Link],
    first_line: int,
    known: Known,
    source_is_draft: bool = False,
) -> list[Problem]:
    """A problem for each of a body's `links` (from `markup.read`) that points to nothing
    the site publishes."""
    section = section_of(path)
    problems: list[Problem] = []
    for link in links:
        target = resolve(link.href, section)
        if target is None:
            continue
        why = target if isinstance(target, str) else _missing(target.url, known, source_is_draft)
        if why is not None:
            line = first_line + link.line - 1
            problems.append(Problem(path, line, "body", f"link {link.shown}: {why}"))
    return problems


def _missing(url: str, known: Known, source_is_draft: bool) -> str | None:
    """Why nothing is published at `url`, or None when something is."""
    if url in known.fixed or url.startswith(FIXED_PREFIXES):
        return None
    if url.startswith("static/"):
        return None if url[len("static/") :] in known.static else "no such file in static/"
    parts = url.split("/")
    if len(parts) == 2 and parts[1] == "":  # `slug/`: a free page
        return _record(parts[0], "pages", known, source_is_draft)
    if len(parts) == 3 and parts[2] == "" and parts[0] in VOCABULARIES:
        names = known.areas if parts[0] == "areas" else known.agencies
        kind = VOCABULARIES[parts[0]]
        if parts[1] in names:
            return None
        return f"no such {kind}" + _did_you_mean(parts[1], names)
    feed = len(parts) == 3 and parts[0] == "partners" and parts[2] == "feed.xml"
    if (len(parts) == 3 and parts[2] == "" and parts[0] in RECORD_SECTIONS) or feed:
        if parts[0] == "pages":
            return "no such page"
        return _record(parts[1], parts[0], known, source_is_draft)
    return "no such page"


def _record(slug: str, section: str, known: Known, source_is_draft: bool) -> str | None:
    kind = RECORD_SECTIONS[section]
    slugs = known.records.get(section, {})
    if slug not in slugs:
        return f"no such {kind}" + _did_you_mean(slug, slugs)
    if slugs[slug] and not known.preview and not source_is_draft:
        return f"the {kind} is a draft, so it is not published; link to it once it is"
    return None


def _did_you_mean(slug: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(slug, sorted(choices), n=1)
    return f"; did you mean `{close[0]}`?" if close else ""


def known_targets(
    parsed: Iterable[Parsed], config: SiteConfig, static: Iterable[StaticFile], preview: bool
) -> Known:
    """Everything a body of this site may link to."""
    records: dict[str, dict[str, bool]] = {}
    for item in parsed:
        if item.section in RECORD_SECTIONS:
            records.setdefault(item.section, {})[item.slug] = item.values.get("draft") is True
    return Known(
        records=records,
        areas=frozenset(a.slug for a in config.areas),
        agencies=frozenset(a.slug for a in config.agencies),
        static=frozenset(s.rel for s in static),
        preview=preview,
    )


def check_item(item: Parsed, found: Iterable[Link], known: Known) -> list[Problem]:
    """The problems of one file's body links (`found`), among the `known` targets."""
    if item.section not in RECORD_SECTIONS or not item.body_line:
        return []  # a file that could not be split is reported by validate
    is_draft = known.records.get(item.section, {}).get(item.slug, False)
    return check_body(item.path, found, item.body_line, known, is_draft)
