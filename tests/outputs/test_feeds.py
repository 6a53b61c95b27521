"""Atom feeds, read back by feedparser: valid, newest first, stable ids, dates from the records."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from portal.model.site import Site, once_per_site
from portal.outputs import feeds
from portal.pages.bodies import render_bodies
from portal.pages.context import RenderContext
from portal.pages.environment import make_env
from portal.pipeline import check_site
from portal.render import render
from tests.support.sites import SITE_YAML, write_site

ROOT = Path(__file__).resolve().parents[2]

FILES = {
    "partners/kaspersky-lab.md": """\
        ---
        name: Kaspersky Lab
        type: company
        summary: A cybersecurity company.
        ---
        """,
    "agreements/kaspersky-2018.md": """\
        ---
        title: Memorandum with Kaspersky Lab & <friends>
        kind: memorandum-of-understanding
        status: signed
        signed: 2018-10
        partners: [kaspersky-lab]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Training & information sharing.
        sources:
          - title: News
            url: https://example.org/news
            date: 2018-10-30
        ---
        A [link](https://example.org/) and *emphasis*.
        """,
    "agreements/undated.md": """\
        ---
        title: Planned memorandum with no date at all
        kind: memorandum-of-understanding
        status: proposed
        partners: [estonia]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Planned.
        sources:
          - title: News
            url: https://example.org/news
        ---
        """,
    "agreements/secret-draft.md": """\
        ---
        title: Secret draft memorandum
        kind: agreement
        status: negotiating
        draft: true
        partners: [estonia]
        agencies: [dict]
        areas: [cybersecurity]
        summary: Not yet public.
        sources:
          - title: Nothing
            url: https://example.org/nothing
        ---
        """,
    "events/meeting-2024.md": """\
        ---
        title: Meeting in Tallinn
        date: 2024-03
        kind: meeting
        partners: [estonia]
        summary: Officials met.
        sources:
          - title: Report
            url: https://example.org/report
            date: 2024-04-02
        ---
        """,
}


def context_for(content: Path, today: dt.date = dt.date(2025, 6, 1)) -> RenderContext:
    result = check_site(content, today, preview=True)  # preview: drafts are in the site
    assert result.errors == ()
    site: Site | None = result.site
    assert site is not None
    return RenderContext(site, make_env(ROOT / "templates", site), render_bodies(site))


def parse(data: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture
def context(tmp_path: Path) -> RenderContext:
    return context_for(write_site(tmp_path, FILES))


def test_site_feed_is_valid_atom_newest_first(context: RenderContext) -> None:
    outputs = {f.path: f.data for f in feeds.render_feeds(context)}
    parsed = parse(outputs["feed.xml"])
    assert parsed.feed.title == "Test register"
    assert parsed.feed.id == "tag:example.org,2025:portal/feed.xml"
    assert parsed.feed.updated == "2024-04-02T00:00:00Z"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {
        "self": "https://example.org/portal/feed.xml",
        "alternate": "https://example.org/portal/",
    }
    assert [(e.id, e.updated) for e in parsed.entries] == [
        ("tag:example.org,2025:portal/events/meeting-2024", "2024-04-02T00:00:00Z"),
        ("tag:example.org,2025:portal/agreements/estonia-mou", "2023-09-14T00:00:00Z"),
        ("tag:example.org,2025:portal/agreements/kaspersky-2018", "2018-10-30T00:00:00Z"),
        # No date anywhere in the record: the epoch, so that it never poses as news.
        ("tag:example.org,2025:portal/agreements/undated", "1970-01-01T00:00:00Z"),
    ]
    kaspersky = parsed.entries[2]
    assert kaspersky.title == "Memorandum with Kaspersky Lab & <friends>"
    assert kaspersky.link == "https://example.org/portal/agreements/kaspersky-2018/"
    assert kaspersky.published == "2018-10-01T00:00:00Z"
    assert kaspersky.summary == "Training & information sharing."
    assert "<em>emphasis</em>" in kaspersky.content[0].value
    assert {t.term for t in kaspersky.tags} == {
        "memorandum-of-understanding",
        "status:signed",
        "area:cybersecurity",
    }


def test_ids_do_not_change_with_the_title_and_bytes_not_with_the_day(tmp_path: Path) -> None:
    before = context_for(write_site(tmp_path / "a", FILES))
    renamed = {
        **FILES,
        "agreements/kaspersky-2018.md": FILES["agreements/kaspersky-2018.md"].replace(
            "Memorandum with Kaspersky Lab", "Memorandum of understanding with Kaspersky"
        ),
    }
    after = context_for(write_site(tmp_path / "b", renamed), today=dt.date(2031, 1, 1))
    ids_before = [e.id for e in parse(feeds.site_feed(before).data).entries]
    ids_after = [e.id for e in parse(feeds.site_feed(after).data).entries]
    assert ids_before == ids_after
    later = context_for(write_site(tmp_path / "a", FILES), today=dt.date(2031, 1, 1))
    assert feeds.site_feed(later).data == feeds.site_feed(before).data


def test_one_feed_per_partner_with_its_records(context: RenderContext) -> None:
    outputs = {f.path: f.data for f in feeds.render_feeds(context)}
    assert sorted(outputs) == [
        "feed.xml",
        "partners/estonia/feed.xml",
        "partners/kaspersky-lab/feed.xml",
    ]
    estonia = parse(outputs["partners/estonia/feed.xml"])
    assert estonia.feed.id == "tag:example.org,2025:portal/partners/estonia/feed.xml"
    assert {link.rel: link.href for link in estonia.feed.links}["alternate"] == (
        "https://example.org/portal/partners/estonia/"
    )
    assert [e.id.rsplit(":", 1)[1] for e in estonia.entries] == [
        "portal/events/meeting-2024",
        "portal/agreements/estonia-mou",
        "portal/agreements/undated",
    ]
    kaspersky = parse(outputs["partners/kaspersky-lab/feed.xml"])
    assert [e.title for e in kaspersky.entries] == ["Memorandum with Kaspersky Lab & <friends>"]


def test_drafts_are_in_no_feed(context: RenderContext) -> None:
    assert any(a.draft for a in context.site.agreements)
    for output in feeds.render_feeds(context):
        assert b"secret" not in output.data.lower(), output.path


def test_a_partner_with_no_record_has_a_valid_empty_feed(tmp_path: Path) -> None:
    files = {
        **FILES,
        "partners/singapore.md": "---\nname: Singapore\ntype: government\ncountry: SG\n"
        "summary: The Republic of Singapore.\n---\n",
    }
    context = context_for(write_site(tmp_path, files))
    partner = context.site.partner("singapore")
    parsed = parse(feeds.partner_feed(context, partner).data)
    assert parsed.entries == []
    assert parsed.feed.updated == "1970-01-01T00:00:00Z"


def test_the_example_register_feeds_parse() -> None:
    context = context_for(ROOT / "content")
    outputs = list(feeds.render_feeds(context))
    assert len(outputs) == 1 + len(context.site.partners)
    for output in outputs:
        parse(output.data)
    site_feed = parse(feeds.site_feed(context).data)
    published = [*context.site.agreements, *context.site.events]
    assert len(site_feed.entries) == len([r for r in published if not r.draft])


class _AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if (
            tag == "link"
            and values.get("rel") == "alternate"
            and values.get("type") == "application/atom+xml"
        ):
            self.feeds.append(values.get("href") or "")


def feed_links(html: bytes) -> list[str]:
    parser = _AlternateLinks()
    parser.feed(html.decode("utf-8"))
    return parser.feeds


def test_pages_link_their_feeds_and_no_published_output_holds_a_draft(tmp_path: Path) -> None:
    result = check_site(write_site(tmp_path, FILES), dt.date(2025, 6, 1))
    assert result.site is not None
    outputs = {f.path: f for f in render(result.site, ROOT / "templates")}
    assert feed_links(outputs["index.html"].data) == ["/portal/feed.xml"]
    assert feed_links(outputs["partners/estonia/index.html"].data) == [
        "/portal/feed.xml",
        "/portal/partners/estonia/feed.xml",
    ]
    for path, output in outputs.items():
        data = output.data if output.source is None else Path(output.source).read_bytes()
        assert b"secret draft" not in data.lower(), path


def test_a_feed_holds_the_newest_records_only(context: RenderContext) -> None:
    site = context.site
    newest = feeds.entries(site, [*site.agreements, *site.events], limit=2)
    assert [e.record.slug for e in newest] == ["meeting-2024", "estonia-mou"]


def test_the_site_and_partner_feeds_hold_the_50_newest(tmp_path: Path) -> None:
    agreement = FILES["agreements/kaspersky-2018.md"].replace("[kaspersky-lab]", "[estonia]")
    files = {
        f"agreements/a-{n:02d}.md": agreement.replace(
            "signed: 2018-10", f"signed: 2019-{1 + n // 28:02d}-{1 + n % 28:02d}"
        ).replace("date: 2018-10-30", "date: 2019")
        for n in range(51)
    }  # 52 agreements with the base site's estonia-mou: the two oldest are left out
    outputs = {f.path: f.data for f in feeds.render_feeds(context_for(write_site(tmp_path, files)))}
    for path in ("feed.xml", "partners/estonia/feed.xml"):
        ids = [e.id.rsplit("/", 1)[1] for e in parse(outputs[path]).entries]
        assert ids == ["estonia-mou", *(f"a-{n:02d}" for n in range(50, 1, -1))], path


def test_text_and_attributes_are_escaped_as_xml(tmp_path: Path) -> None:
    files = {
        "site.yaml": SITE_YAML.replace(
            "label: Cybersecurity", 'label: "Cyber\\t\\"security\\" & <trust>"'
        ),
        "agreements/escapes.md": FILES["agreements/kaspersky-2018.md"].replace(
            "title: Memorandum with Kaspersky Lab & <friends>",
            "title: 'Memorandum \"A\" & <B>'",
        ),
    }
    data = feeds.site_feed(context_for(write_site(tmp_path, {**FILES, **files}))).data
    assert b'<title type="text">Memorandum "A" &amp; &lt;B&gt;</title>' in data
    label = 'label="Cyber&#09;&quot;security&quot; &amp; &lt;trust&gt;"'
    assert f'<category term="area:cybersecurity" {label} />'.encode() in data
    assert [e.title for e in parse(data).entries if "escapes" in e.id] == ['Memorandum "A" & <B>']


def test_once_per_site_makes_a_value_again_only_for_another_site(tmp_path: Path) -> None:
    made: list[Site] = []

    @once_per_site
    def count(site: Site) -> int:
        made.append(site)
        return len(made)

    first = context_for(write_site(tmp_path / "a", FILES)).site
    second = context_for(write_site(tmp_path / "b", FILES)).site
    assert [count(first), count(first), count(second), count(second)] == [1, 1, 2, 2]
    assert count(first) == 3  # only the last site's value is kept
