"""Values computed across files: expiry, shown status, related both ways, drafts."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from portal.content.assemble import add_term, assemble
from portal.content.config import parse_config
from portal.content.load import RawFile
from portal.content.validate import parse_record
from portal.model.records import StaticFile
from portal.model.site import Site
from portal.model.values import PartialDate, Problem, Severity, Status, Term
from portal.pipeline import check_site
from tests.support.sites import AGREEMENT, PARTNER, SITE_YAML, write_site


def agreement_with(extra: str, status: str = "signed") -> str:
    text = AGREEMENT.replace("status: signed", f"status: {status}")
    return text.replace("---\nBody", textwrap.dedent(extra) + "---\nBody")


def test_term_counts_from_entry_into_force() -> None:
    assert add_term(PartialDate(2020, 1, 31), Term(1, "months")) == PartialDate(2020, 2, 29)
    assert add_term(PartialDate(2018, 10), Term(3, "years")) == PartialDate(2021, 10)
    assert add_term(PartialDate(2018), Term(2, "years")) == PartialDate(2020)
    # a start known only to the year counts from its first month
    assert add_term(PartialDate(2018), Term(11, "months")) == PartialDate(2018)
    assert add_term(PartialDate(2018), Term(12, "months")) == PartialDate(2019)


def test_expiry_from_term_and_shown_status_on_the_build_day(tmp_path: Path) -> None:
    content = write_site(
        tmp_path,
        {
            "agreements/estonia-mou.md": agreement_with(
                "effective: 2023-10-01\nterm: 3 years\n", status="in-force"
            ),
        },
    )
    before = check_site(content, dt.date(2026, 9, 30), shown_root="content")
    after = check_site(content, dt.date(2026, 10, 2), shown_root="content")
    assert before.site and after.site
    assert before.site.agreements[0].expiry == PartialDate(2026, 10, 1)
    assert before.site.agreements[0].shown_status is Status.IN_FORCE
    assert before.warnings == ()
    assert after.site.agreements[0].shown_status is Status.EXPIRED
    assert [str(w) for w in after.warnings] == [
        "content/agreements/estonia-mou.md:4: status: is `in-force` but the agreement expired "
        "on 1 October 2026; the site shows it as expired. Set `status: expired` (or correct "
        "the dates)"
    ]


# The expiry rules of docs/editing.md ("When an agreement ends"): an agreement is in force
# on its expiry day and shown as expired from the next day; a date known only to the month
# or the year expires at the end of that month or year.
@pytest.mark.parametrize(
    ("expires", "today", "shown"),
    [
        ("2026-10-01", "2026-09-30", "in-force"),  # the day before
        ("2026-10-01", "2026-10-01", "in-force"),  # the expiry day itself
        ("2026-10-01", "2026-10-02", "expired"),  # the day after
        ("2026-10", "2026-09-30", "in-force"),  # the day before the month
        ("2026-10", "2026-10-01", "in-force"),  # the first day of the month
        ("2026-10", "2026-10-31", "in-force"),  # the last day of the month
        ("2026-10", "2026-11-01", "expired"),  # the day after the month
        ("2026", "2025-12-31", "in-force"),  # the day before the year
        ("2026", "2026-01-01", "in-force"),  # the first day of the year
        ("2026", "2026-12-31", "in-force"),  # the last day of the year
        ("2026", "2027-01-01", "expired"),  # the day after the year
    ],
)
def test_the_shown_status_at_each_expiry_boundary(
    tmp_path: Path, expires: str, today: str, shown: str
) -> None:
    text = agreement_with(f"expires: {expires}\n", status="in-force")
    content = write_site(tmp_path, {"agreements/estonia-mou.md": text})
    result = check_site(content, dt.date.fromisoformat(today))
    assert result.site is not None, result.errors
    assert result.site.agreements[0].shown_status == Status(shown)
    assert len(result.warnings) == (shown == "expired")


def test_a_term_counts_to_the_same_day_and_the_agreement_runs_through_it(tmp_path: Path) -> None:
    text = agreement_with("effective: 2024-02-29\nterm: 2 years\n", status="in-force")
    content = write_site(tmp_path, {"agreements/estonia-mou.md": text})
    on_the_day = check_site(content, dt.date(2026, 2, 28))
    next_day = check_site(content, dt.date(2026, 3, 1))
    assert on_the_day.site and next_day.site
    assert on_the_day.site.agreements[0].expiry == PartialDate(2026, 2, 28)
    assert on_the_day.site.agreements[0].shown_status is Status.IN_FORCE
    assert next_day.site.agreements[0].shown_status is Status.EXPIRED


@pytest.mark.parametrize("status", ["proposed", "negotiating", "terminated", "superseded"])
def test_only_a_running_agreement_is_shown_as_expired(tmp_path: Path, status: str) -> None:
    extra = "expires: 2024-01-01\nterminated: 2023-12-01\nsuperseded_by: second\n"
    content = write_site(
        tmp_path,
        {
            "agreements/estonia-mou.md": agreement_with(extra, status=status),
            "agreements/second.md": agreement_with(""),
        },
    )
    result = check_site(content, dt.date(2025, 1, 1))
    assert result.site is not None, result.errors
    assert result.site.agreements[0].shown_status == Status(status)
    assert result.warnings == ()


def test_expires_wins_over_term(tmp_path: Path) -> None:
    content = write_site(
        tmp_path,
        {
            "agreements/estonia-mou.md": agreement_with("expires: 2030-01-01\nterm: 1 year\n"),
        },
    )
    result = check_site(content, dt.date(2025, 1, 1))
    assert result.site and result.site.agreements[0].expiry == PartialDate(2030, 1, 1)


def test_unknown_signing_date_satisfies_the_rule(tmp_path: Path) -> None:
    text = agreement_with("date_unknown: [signed]\nterm: 3 years\n").replace(
        "signed: 2023-09-14\n", ""
    )
    content = write_site(tmp_path, {"agreements/estonia-mou.md": text})
    result = check_site(content, dt.date(2025, 1, 1))
    assert result.errors == ()
    assert result.site and result.site.agreements[0].expiry is None


def test_related_is_shown_both_ways(tmp_path: Path) -> None:
    content = write_site(
        tmp_path,
        {
            "agreements/second.md": agreement_with("related: [estonia-mou]\n"),
        },
    )
    result = check_site(content, dt.date(2025, 1, 1))
    assert result.site
    assert {a.slug: a.related_all for a in result.site.agreements} == {
        "estonia-mou": ("second",),
        "second": ("estonia-mou",),
    }


def test_drafts_are_left_out_of_a_published_build_but_not_a_preview(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"agreements/draft-one.md": agreement_with("draft: true\n")})
    published = check_site(content, dt.date(2025, 1, 1))
    preview = check_site(content, dt.date(2025, 1, 1), preview=True)
    assert published.site and preview.site
    assert [a.slug for a in published.site.agreements] == ["estonia-mou"]
    assert [a.slug for a in preview.site.agreements] == ["draft-one", "estonia-mou"]


def test_a_published_record_cannot_point_to_a_draft(tmp_path: Path) -> None:
    content = write_site(
        tmp_path,
        {
            "agreements/draft-one.md": agreement_with("draft: true\n"),
            "agreements/second.md": agreement_with("related: [draft-one]\n"),
        },
    )
    result = check_site(content, dt.date(2025, 1, 1), shown_root="content")
    assert [str(p) for p in result.errors] == [
        "content/agreements/second.md:13: related: `draft-one` is a draft, so a published "
        "record cannot point to it; publish it or remove the reference"
    ]


def test_a_draft_may_point_to_another_draft(tmp_path: Path) -> None:
    content = write_site(
        tmp_path,
        {
            "agreements/draft-one.md": agreement_with("draft: true\n"),
            "agreements/draft-two.md": agreement_with("draft: true\nrelated: [draft-one]\n"),
        },
    )
    published = check_site(content, dt.date(2025, 1, 1))
    preview = check_site(content, dt.date(2025, 1, 1), preview=True)
    assert published.errors == () and preview.errors == ()
    assert published.site and preview.site
    assert [a.slug for a in published.site.agreements] == ["estonia-mou"]
    related = {a.slug: a.related_all for a in preview.site.agreements}
    assert related["draft-two"] == ("draft-one",)
    assert related["draft-one"] == ("draft-two",)


def test_partial_dates_are_accepted_quoted_or_not(tmp_path: Path) -> None:
    text = AGREEMENT.replace("signed: 2023-09-14", "signed: '2023-09'\neffective: 2024")
    result = check_site(
        write_site(tmp_path, {"agreements/estonia-mou.md": text}), dt.date(2025, 1, 1)
    )
    assert result.site
    agreement = result.site.agreements[0]
    assert (agreement.signed, agreement.effective) == (PartialDate(2023, 9), PartialDate(2024))


# --- the checks across files, on records read from text (no folder, no build) -------------

SITE = SITE_YAML + "  trade:\n    label: Trade\n"
PAGE = "---\ntitle: A page\n---\nBody.\n"


def assembled(
    files: dict[str, str], static: tuple[str, ...] = (), preview: bool = False
) -> tuple[Site | None, list[str], list[str]]:
    """assemble() over the base site (a partner `estonia`, an agreement `estonia-mou`) and
    `files`, keyed `section/slug`; the errors and warnings as printed."""
    config, errors = parse_config(SITE, "site.yaml")
    assert config is not None, errors
    texts = {"partners/estonia": PARTNER, "agreements/estonia-mou": AGREEMENT, **files}
    parsed = [
        parse_record(RawFile(key.split("/")[0], key.split("/")[1], f"{key}.md", text))
        for key, text in texts.items()
    ]
    files_in_static = tuple(StaticFile(rel, f"/content/static/{rel}") for rel in static)
    today = dt.date(2025, 1, 1)
    if preview:
        site, problems, warnings = assemble(config, parsed, files_in_static, today, preview=True)
    else:  # a published build unless told otherwise
        site, problems, warnings = assemble(config, parsed, files_in_static, today)
    return site, [str(p) for p in problems], [str(w) for w in warnings]


def errors_of(files: dict[str, str], static: tuple[str, ...] = ()) -> list[str]:
    return assembled(files, static)[1]


def test_references_to_site_yaml_vocabularies_name_the_known_ones() -> None:
    text = AGREEMENT.replace("agencies: [dict]", "agencies: [dnd, dict, dof]").replace(
        "areas: [cybersecurity]", "areas: [defence]"
    )
    assert errors_of({"agreements/a": text}) == [
        "agreements/a.md:7: agencies: `dnd` is not a known agency; add it under `agencies` in "
        "site.yaml or use one of: dict",
        "agreements/a.md:7: agencies: `dof` is not a known agency; add it under `agencies` in "
        "site.yaml or use one of: dict",
        "agreements/a.md:8: areas: `defence` is not a known area; add it under `areas` in "
        "site.yaml or use one of: cybersecurity, trade",
    ]


def test_an_unknown_partner_is_named_with_the_nearest_slug_if_any() -> None:
    text = AGREEMENT.replace("partners: [estonia]", "partners: [estonai, zzz]")
    assert errors_of({"agreements/a": text}) == [
        "agreements/a.md:6: partners: `estonai` is not a known partner; did you mean "
        "`estonia`? Otherwise create content/partners/estonai.md or fix the slug",
        "agreements/a.md:6: partners: `zzz` is not a known partner; create "
        "content/partners/zzz.md or fix the slug",
    ]


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (
            "related: [estonia-mou, estonia-mu]\n",
            "13: related: `estonia-mu` is not a known agreement; did you mean `estonia-mou`? "
            "Otherwise create content/agreements/estonia-mu.md or fix the slug",
        ),
        (
            "superseded_by: zzz\n",
            "13: superseded_by: `zzz` is not a known agreement; create "
            "content/agreements/zzz.md or fix the slug",
        ),
        ("related: [estonia-mou, a]\n", "13: related: an agreement cannot be related to itself"),
        ("superseded_by: a\n", "13: superseded_by: an agreement cannot supersede itself"),
    ],
)
def test_an_agreement_points_to_other_agreements_that_exist(extra: str, problem: str) -> None:
    assert errors_of({"agreements/a": agreement_with(extra)}) == [f"agreements/a.md:{problem}"]


def test_an_agreement_may_point_to_others() -> None:
    extra = "related: [estonia-mou]\nsuperseded_by: estonia-mou\n"
    assert errors_of({"agreements/a": agreement_with(extra)}) == []


def test_a_published_agreement_cannot_be_superseded_by_a_draft() -> None:
    files = {
        "agreements/draft-one": agreement_with("draft: true\n"),
        "agreements/a": agreement_with("superseded_by: draft-one\n"),
    }
    assert errors_of(files) == [
        "agreements/a.md:13: superseded_by: `draft-one` is a draft, so a published record "
        "cannot point to it; publish it or remove the reference"
    ]


def test_a_document_in_static_must_be_a_file_there() -> None:
    text = agreement_with(
        "documents:\n  - title: Text\n    url: static/texts/mou.pdf\n"
        "  - title: Online\n    url: https://example.org/static/mou.pdf\n"
    )
    assert errors_of({"agreements/a": text}, static=("texts/mou.pdf",)) == []
    assert errors_of({"agreements/a": text}, static=("mou.pdf", "static/texts/mou.pdf")) == [
        "agreements/a.md:13: documents: `static/texts/mou.pdf` is not a file in "
        "content/static/; add the file or fix the path"
    ]


def test_an_event_points_to_partners_agencies_and_agreements_that_exist() -> None:
    event = (
        "---\ntitle: Meeting\ndate: 2023-09\nkind: meeting\nsummary: Officials met.\n"
        "sources:\n  - title: Report\n    url: https://example.org/report\n"
        "partners: [estonia, finland]\nagencies: [dict, dnd]\n"
        "agreements: [estonia-mou, estonia-mu]\n---\n"
    )
    assert errors_of({"events/meeting": event}) == [
        "events/meeting.md:9: partners: `finland` is not a known partner; create "
        "content/partners/finland.md or fix the slug",
        "events/meeting.md:10: agencies: `dnd` is not a known agency; add it under `agencies` "
        "in site.yaml or use one of: dict",
        "events/meeting.md:11: agreements: `estonia-mu` is not a known agreement; did you mean "
        "`estonia-mou`? Otherwise create content/agreements/estonia-mu.md or fix the slug",
    ]


def partner(parent: str) -> str:
    return PARTNER.replace("country: EE\n", f"country: EE\nparent: {parent}\n")


def test_a_partner_parent_must_exist() -> None:
    assert errors_of({"partners/agency": partner("estonai")}) == [
        "partners/agency.md:5: parent: `estonai` is not a known partner; did you mean "
        "`estonia`? Otherwise create content/partners/estonai.md or fix the slug"
    ]
    assert errors_of({"partners/agency": partner("estonia")}) == []


def test_partner_parents_form_no_cycle_and_each_cycle_is_reported_once() -> None:
    files = {
        "partners/a": partner("b"),
        "partners/b": partner("c"),
        "partners/c": partner("b"),  # a -> b -> c -> b
        "partners/d": partner("e"),
        "partners/e": partner("d"),
        "partners/f": partner("estonia"),  # a chain that ends
    }
    assert errors_of(files) == [
        "partners/a.md:5: parent: partners form a cycle: b -> c -> b",
        "partners/d.md:5: parent: partners form a cycle: d -> e -> d",
    ]


# The top-level names the site publishes its own pages at (portal/pages/ and the write stage).
@pytest.mark.parametrize(
    "name",
    [
        "agreements",
        "partners",
        "areas",
        "agencies",
        "timeline",
        "events",
        "search",
        "data",
        "static",
        "assets",
        "pagefind",
        "feed",
        "sitemap",
        "robots",
        "404",
    ],
)
def test_a_page_cannot_take_a_name_the_site_uses(name: str) -> None:
    config, _ = parse_config(SITE, "site.yaml")
    assert config is not None
    page = parse_record(RawFile("pages", name, f"pages/{name}.md", PAGE))
    # a problem of the whole file: no line, no field
    assert assemble(config, [page], (), dt.date(2025, 1, 1))[1] == [
        Problem(
            f"pages/{name}.md",
            0,
            "",
            f"the page would be published at /{name}/, which the site already uses for its "
            f"own {name} page; rename the file",
        )
    ]


def test_a_page_may_take_any_other_name() -> None:
    assert errors_of({"pages/about": PAGE, "pages/agreement": PAGE}) == []


MESSAGE = (
    "still has `TODO` placeholder text; replace it with what the sources say before the "
    "record is published"
)


@pytest.mark.parametrize(
    ("key", "text", "warning"),
    [
        ("pages/p", "---\ntitle: TODO a title\n---\nTODO.\n", f"pages/p.md:2: title: {MESSAGE}"),
        (
            "agreements/a",
            AGREEMENT.replace("title: An article", "title: TODO an article"),
            f"agreements/a.md:10: sources: {MESSAGE}",
        ),
        (
            "pages/p",
            "---\ntitle: A page\n---\nBody text.\n\nMore TODO.\n",
            f"pages/p.md:6: body: {MESSAGE}",
        ),
        (
            "agreements/a",
            agreement_with("draft: false\n").replace("Body text.", "Body.\nTODO"),
            f"agreements/a.md:16: body: {MESSAGE}",
        ),
    ],
)
def test_a_published_record_with_placeholder_text_is_warned_of_once(
    key: str, text: str, warning: str
) -> None:
    site, errors, warnings = assembled({key: text})
    assert (errors, warnings) == ([], [warning])
    assert site is not None
    assert [w.severity for w in site.warnings] == [Severity.WARNING]


def test_a_draft_or_a_record_with_errors_may_hold_placeholder_text() -> None:
    draft = agreement_with("draft: true\n").replace("Body text.", "TODO")
    assert assembled({"agreements/a": draft})[2] == []
    broken = "---\ntitle: TODO\nmenu: first\n---\nTODO\n"
    assert assembled({"pages/p": broken})[2] == []


EVENT = (
    "---\ntitle: Meeting\ndate: 2023-09\nkind: meeting\nsummary: Officials met.\n"
    "sources:\n  - title: Report\n    url: https://example.org/report\n{extra}---\n"
)
RECORDS = {
    "agreements/zeta": agreement_with("related: [estonia-mou]\n"),
    "agreements/beta": agreement_with("draft: true\nrelated: [estonia-mou]\n"),
    "partners/vietnam": PARTNER.replace("Estonia", "Vietnam").replace("EE", "VN"),
    "partners/austria": PARTNER.replace("Estonia", "Austria").replace("EE", "AT"),
    "events/later": EVENT.format(extra=""),
    "events/draft": EVENT.format(extra="draft: true\n"),
    "events/earlier": EVENT.format(extra=""),
    "pages/legal": PAGE,
    "pages/draft": "---\ntitle: A draft\ndraft: true\n---\n",
    "pages/about": PAGE,
}


@pytest.mark.parametrize("preview", [False, True])
def test_the_site_holds_the_records_sorted_by_slug_drafts_only_in_a_preview(
    preview: bool,
) -> None:
    site, errors, warnings = assembled(RECORDS, static=("texts/mou.pdf",), preview=preview)
    assert (errors, warnings) == ([], [])
    assert site is not None
    drafts = ["beta"] if preview else []
    assert [a.slug for a in site.agreements] == [*drafts, "estonia-mou", "zeta"]
    assert [p.slug for p in site.partners] == ["austria", "estonia", "vietnam"]
    assert [e.slug for e in site.events] == [*(["draft"] if preview else []), "earlier", "later"]
    assert [p.slug for p in site.pages] == ["about", *(["draft"] if preview else []), "legal"]
    # a draft is named among the related agreements only where it is shown
    assert site.agreement("estonia-mou").related_all == (*drafts, "zeta")
    assert site.agreement("zeta").related_all == ("estonia-mou",)
    assert (site.today, site.preview, site.config.title) == (
        dt.date(2025, 1, 1),
        preview,
        "Test register",
    )
    assert [f.rel for f in site.static] == ["texts/mou.pdf"]


def test_with_errors_there_is_no_site_but_the_errors_and_warnings_are_given() -> None:
    expired = agreement_with("expires: 2024-06-30\n").replace("title: An article", "title: TODO")
    site, errors, warnings = assembled(
        {"agreements/old": expired, "pages/search": PAGE}, preview=True
    )
    assert site is None
    assert errors == [
        "pages/search.md: the page would be published at /search/, which the site already "
        "uses for its own search page; rename the file"
    ]
    assert warnings == [
        f"agreements/old.md:10: sources: {MESSAGE}",
        "agreements/old.md:4: status: is `signed` but the agreement expired on 30 June 2024; "
        "the site shows it as expired. Set `status: expired` (or correct the dates)",
    ]


def test_the_shown_status_and_expiry_are_computed_for_each_agreement() -> None:
    site, _, warnings = assembled(
        {"agreements/old": agreement_with("term: 2 years\n").replace("2023-09-14", "2020-01-15")}
    )
    assert site is not None
    old = site.agreement("old")
    assert (old.expiry, old.shown_status) == (PartialDate(2022, 1, 15), Status.EXPIRED)
    assert site.agreement("estonia-mou").shown_status is Status.SIGNED
    assert [w.severity for w in site.warnings] == [Severity.WARNING]
    assert warnings == [str(w) for w in site.warnings]
