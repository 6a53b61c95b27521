"""`python build.py new KIND SLUG`: start a record from a commented template.

Each new file has every required field, filled with a value that passes the
check (partners, agencies and areas taken from the site itself) and marked
`TODO` so that it is plainly still to be edited; optional fields are there too,
commented out, with what they mean and the values allowed. Agreements, events and
pages start as drafts: they appear in the preview, never in the published site,
until the editor removes `draft: true`.

`render_record` is pure (tested with strings); `new_record` reads the site's
vocabularies and writes the file, refusing to overwrite anything.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from portal.content.assemble import RESERVED
from portal.content.config import parse_config
from portal.content.fields import SLUG, SLUG_MAX
from portal.content.load import read_text
from portal.model.values import EventKind, Kind, PartnerType, Status

KINDS = {"agreement": "agreements", "partner": "partners", "event": "events", "page": "pages"}
LISTED = 12  # how many known slugs a comment lists


class ScaffoldError(Exception):
    """The record cannot be created; the message says why and what to do."""


@dataclass(frozen=True)
class Vocabulary:
    """What a new record may point to: slugs known to the site."""

    partners: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()


def check_slug(kind: str, slug: str) -> None:
    if not SLUG.match(slug) or len(slug) > SLUG_MAX:
        raise ScaffoldError(
            f"`{slug}` is not a valid slug: use at most {SLUG_MAX} lowercase letters a-z, digits "
            "and single hyphens, like `dict-estonia-digital-mou-2024`"
        )
    if kind == "page" and slug in RESERVED:
        raise ScaffoldError(
            f"a page called `{slug}` would be published at /{slug}/, which the site already "
            "uses for its own pages; choose another slug"
        )


def _quote(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _choices(values: list[str]) -> str:
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]


def _known(slugs: tuple[str, ...], folder: str) -> str:
    shown = ", ".join(slugs[:LISTED])
    more = f", ... (see {folder})" if len(slugs) > LISTED else ""
    return shown + more


def _wrap(text: str, prefix: str = "# ", width: int = 88) -> str:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(prefix) + len(line) + 1 + len(word) > width:
            lines.append(prefix + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(prefix + line)
    return "\n".join(lines)


HEADER = """\
# New {what}: {path}
# Replace every TODO with what the sources say; the lines starting with # are
# explanations and may be deleted. Then run `python build.py check`, and see the
# page with `python build.py serve`. The guide to every field: docs/editing.md.
"""

DRAFT_HEADER = """\
# While `draft: true` (at the end) stays, the record shows in the preview only,
# never in the published site: remove that line when the record is ready.
"""

DATE_HELP = (
    "Dates are written 2024-05-17, or 2024-05 / 2024 when the sources give only the month or "
    "the year."
)


def _agreement(slug: str, title: str, today: str, vocab: Vocabulary) -> str:
    partner = vocab.partners[0] if vocab.partners else "TODO-partner-slug"
    agency = vocab.agencies[0] if vocab.agencies else "TODO-agency-slug"
    area = vocab.areas[0] if vocab.areas else "TODO-area-slug"
    kinds = _choices([k.value for k in Kind])
    statuses = _choices([s.value for s in Status])
    return f"""\
# The agreement's name, as the sources give it.
title: {title}
# What kind of instrument it is, one of:
{_wrap(kinds, "#   ")}
kind: memorandum-of-understanding
# Where it stands, as the sources say, one of:
{_wrap(statuses, "#   ")}
# signed, in-force, expired, terminated and superseded need the `signed` date.
status: signed
{_wrap("The day it was signed. " + DATE_HELP)}
# If no source gives any date of signing, delete this line and uncomment
# `date_unknown: [signed]` below.
signed: {today}
# The other side: slugs of files in content/partners/, one per line after "- ".
# Known partners: {_known(vocab.partners, "content/partners/")}.
# A new partner first needs its own file: python build.py new partner SLUG
partners:
  - {partner}  # TODO: the partner(s) of this agreement
# The home side's agencies, from `agencies` in site.yaml: {", ".join(vocab.agencies)}.
agencies:
  - {agency}  # TODO: the agencies that signed or carry it out
# The areas of cooperation, from `areas` in site.yaml:
{_wrap(", ".join(vocab.areas), "#   ")}
areas:
  - {area}  # TODO: every area the agreement covers
# One plain paragraph, at most 400 characters: what the agreement is about.
summary: >-
  TODO: who agreed with whom to do what, in one short paragraph.
# Where the facts come from: at least one source, each with its title and web
# address; publisher and date when known.
sources:
  - title: "TODO: the title of the article or document"
    url: https://example.org/TODO-the-address-of-the-source
    publisher: "TODO: who published it"
    date: {today}
# Optional fields: remove the "# " before those the sources give.
# effective: {today}   # entry into force; not before `signed`
# expires: {today}     # when it ends, if the text says; after `effective` (or `signed`)
# term: 3 years           # or "18 months": with no `expires`, the end is counted from
#                         # `effective` (or `signed`)
# terminated: {today}  # required when status is terminated
# superseded_by: another-agreement-slug   # required when status is superseded
# place: Manila           # where it was signed
# documents:              # the text itself
#   - title: Text of the memorandum
#     url: static/{slug}.pdf   # a file in content/static/, or a web address
#     language: en
# related:                # other agreements it belongs with (their slugs)
#   - another-agreement-slug
# date_unknown: [signed]  # dates the sources do not give: signed, effective, terminated
# When this record was last revised.
updated: {today}
draft: true
"""


def _partner(slug: str, title: str, today: str, vocab: Vocabulary) -> str:
    types = _choices([t.value for t in PartnerType])
    return f"""\
# A partner has no draft switch: it is published with the next build, so replace
# every TODO before the file is committed.
#
# The partner's name: a government, an agency, a company, an organisation.
name: {title}
# What it is, one of:
{_wrap(types, "#   ")}
type: company  # TODO: the type of partner
# The two-letter ISO 3166-1 country code (EE, US, SG ...). Required when type is
# government, government-agency or state-owned-enterprise: uncomment it then.
# country: EE
# One plain paragraph: who they are, for the register's readers.
summary: >-
  TODO: who this partner is, in one short paragraph.
# Optional fields: remove the "# " before those that apply.
# parent: another-partner-slug   # e.g. an agency under its government
# website: https://example.org/
# aliases:                       # other names, found by search
#   - Another name
"""


def _event(slug: str, title: str, today: str, vocab: Vocabulary) -> str:
    kinds = _choices([k.value for k in EventKind])
    partner = vocab.partners[0] if vocab.partners else "partner-slug"
    agency = vocab.agencies[0] if vocab.agencies else "agency-slug"
    return f"""\
# What happened, as a headline.
title: {title}
{_wrap("When it happened. " + DATE_HELP)}
date: {today}
# What kind of event: {kinds}.
kind: meeting  # TODO: the kind of event
# One plain paragraph: what happened and why it matters.
summary: >-
  TODO: what happened, in one short paragraph.
# Where the facts come from: at least one source, each with its title and web
# address; publisher and date when known.
sources:
  - title: "TODO: the title of the article or document"
    url: https://example.org/TODO-the-address-of-the-source
    publisher: "TODO: who published it"
    date: {today}
# Optional fields: remove the "# " before those that apply.
# partners: [{partner}]      # slugs of files in content/partners/
# agencies: [{agency}]       # keys of `agencies` in site.yaml
# agreements: [an-agreement-slug]   # agreements this event concerns
# place: Manila
draft: true
"""


def _page(slug: str, title: str, today: str, vocab: Vocabulary) -> str:
    return f"""\
# The page's heading and the name of its link.
title: {title}
# One sentence that says what the page is about (shown in search results).
summary: "TODO: what this page is about, in one sentence."
# To list the page in the main navigation, give its position (1, 2, 3 ...):
# menu: 3
draft: true
"""


BODIES = {
    "agreement": "TODO: what the agreement covers, in plain words, and what the sources say "
    "about it: who signed, when and where, what each side undertakes, and what is not known.",
    "partner": "TODO: more about this partner and its part in the register's agreements "
    "(optional; delete this line to leave the page to the summary).",
    "event": "TODO: what happened, in plain words, with what the sources say about it.",
    "page": "TODO: the text of the page, in Markdown.",
}

PLACEHOLDER_TITLES = {
    "agreement": "TODO: the title of the agreement, as the sources give it",
    "partner": "TODO: the partner's name",
    "event": "TODO: what happened, as a headline",
    "page": "TODO: the page's title",
}


def render_record(
    kind: str, slug: str, today: dt.date, title: str | None, vocab: Vocabulary, path: str
) -> str:
    """The text of a new record file."""
    if title is not None and (not title.strip() or any(ord(c) < 32 for c in title)):
        raise ValueError("the title must be one line of text")
    shown_title = _quote(title.strip() if title else PLACEHOLDER_TITLES[kind])
    fields = {"agreement": _agreement, "partner": _partner, "event": _event, "page": _page}[kind](
        slug, shown_title, today.isoformat(), vocab
    )
    header = HEADER.format(what=kind, path=path)
    if kind != "partner":
        header += DRAFT_HEADER
    return f"---\n{header}#\n{fields}---\n\n{_wrap(BODIES[kind], '')}\n"


def vocabulary(content: Path) -> Vocabulary:
    """The partners, agencies and areas a new record may use; empty where unreadable."""
    partners_dir = content / "partners"
    partners = tuple(
        sorted(
            p.stem
            for p in (partners_dir.iterdir() if partners_dir.is_dir() else ())
            if p.suffix == ".md" and SLUG.match(p.stem)
        )
    )
    text, _problem = read_text(content / "site.yaml", "site.yaml")
    config = parse_config(text, "site.yaml")[0] if text is not None else None
    if config is None:
        return Vocabulary(partners)
    return Vocabulary(
        partners,
        tuple(a.slug for a in config.agencies),
        tuple(a.slug for a in config.areas),
    )


def new_record(
    content: Path, kind: str, slug: str, today: dt.date, title: str | None = None
) -> Path:
    """Write content/<section>/<slug>.md; return its path. Never overwrites a file."""
    check_slug(kind, slug)
    folder = content / KINDS[kind]
    path = folder / f"{slug}.md"
    if path.exists():
        raise ScaffoldError(
            f"{path} already exists; edit it, or choose another slug for a new {kind}"
        )
    vocab = vocabulary(content)
    if kind == "agreement":
        missing = [
            (what, hint)
            for what, given, hint in (
                ("partner", vocab.partners, "python build.py new partner SLUG"),
                ("agency", vocab.agencies, "add one under `agencies` in site.yaml"),
                ("area", vocab.areas, "add one under `areas` in site.yaml"),
            )
            if not given
        ]
        if missing:
            needs = "; ".join(f"there is no {what} yet ({hint})" for what, hint in missing)
            raise ScaffoldError(
                f"an agreement names at least one partner, agency and area, but {needs}. "
                "If site.yaml has problems, `python build.py check` lists them"
            )
    text = render_record(kind, slug, today, title, vocab, str(path))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{path} already exists; choose another slug") from None
    return path
