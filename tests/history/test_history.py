"""Each record's history, read from the git repository that keeps the register.

The registers here are made in a temporary git repository with dated commits; each test
builds one with the command line and reads the page and the open data it wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from portal.cli import main
from portal.history.changes import diff_texts
from portal.history.log import message_line
from portal.history.memory import MEMORY_NAME
from portal.history.stage import mark_uncommitted
from portal.pipeline import build_site
from tests.support.gitrepo import commit, git, init
from tests.support.sites import AGREEMENT, PARTNER, SITE_YAML

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2024-06-01"
SITE = SITE_YAML + "time_zone: Asia/Manila\n"
FINLAND = PARTNER.replace("Estonia", "Finland").replace("EE", "FI")
IN_FORCE = AGREEMENT.replace("status: signed", "status: in-force\neffective: 2024-03").replace(
    "Body text.", "Body text, corrected."
)
TWO_PARTNERS = IN_FORCE.replace("partners: [estonia]", "partners: [estonia, finland]")


def build(content: Path, out: Path, *extra: str) -> int:
    args = ["build", "--content", str(content), "--out", str(out), "--today", TODAY]
    return main([*args, "--no-cache", *extra])


def page(out: Path, url: str) -> str:
    return (out / url / "index.html").read_text(encoding="utf-8")


def history_section(html: str) -> str:
    found = re.search(r'<section class="history".*?</section>', html, re.S)
    assert found, "no History section"
    return found.group(0)


def agreement_json(out: Path, slug: str) -> dict[str, object]:
    data = json.loads((out / "data" / "agreements.json").read_text(encoding="utf-8"))
    return next(a for a in data["agreements"] if a["slug"] == slug)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A register published on 10 January 2024 and revised twice."""
    root = init(tmp_path / "repo")
    files = {
        "content/site.yaml": SITE,
        "content/partners/estonia.md": PARTNER,
        "content/agreements/estonia-mou.md": AGREEMENT,
    }
    commit(root, "Add the Estonia memorandum", "2024-01-10T09:00:00+08:00", files)
    # 23:30 UTC on 2 March is 3 March in Manila, the site's time zone.
    commit(
        root,
        "Estonia memorandum in force\n\nThe ministry confirmed it.",
        "2024-03-02T23:30:00+00:00",
        {"content/agreements/estonia-mou.md": IN_FORCE},
    )
    commit(
        root,
        "Finland joins the memorandum",
        "2024-05-20T10:00:00+08:00",
        {
            "content/partners/finland.md": FINLAND,
            "content/agreements/estonia-mou.md": TWO_PARTNERS,
        },
    )
    return root


def test_a_record_revised_twice_shows_its_history(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(repo / "content", out) == 0
    section = history_section(page(out, "agreements/estonia-mou"))
    assert re.findall(r'<time datetime="([\d-]+)">([^<]+)</time>', section) == [
        ("2024-05-20", "20 May 2024"),
        ("2024-03-03", "3 March 2024"),
        ("2024-01-10", "10 January 2024"),
    ]
    assert "<q>Finland joins the memorandum</q>" in section
    assert "<li>Partners: added finland</li>" in section
    assert "<q>Estonia memorandum in force</q>" in section  # the first line only
    assert "The ministry confirmed it" not in section
    assert "<li>Status: signed → in force</li>" in section
    assert "<li>In force from: March 2024 (added)</li>" in section
    assert "<li>Text revised</li>" in section
    assert "First published on <time" in section

    record = agreement_json(out, "estonia-mou")
    assert [(r["date"], r["message"], r["changed"]) for r in record["history"]] == [
        ("2024-05-20", "Finland joins the memorandum", ["partners"]),
        ("2024-03-03", "Estonia memorandum in force", ["status", "effective", "body"]),
        ("2024-01-10", "Add the Estonia memorandum", []),
    ]
    assert record["history"][0]["commit"] == git(repo, "rev-parse", "HEAD").strip()
    csv = (out / "data" / "agreements.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[0].endswith(",last_revised") and csv[1].endswith(",2024-05-20")
    partner = history_section(page(out, "partners/finland"))
    assert 'First published on <time datetime="2024-05-20">' in partner


def test_a_revision_updates_the_feed_entry_but_not_its_id(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(repo / "content", out) == 0
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "<updated>2024-05-20T00:00:00Z</updated>" in feed
    assert "<id>tag:example.org,2025:portal/agreements/estonia-mou</id>" in feed


def test_a_renamed_record_keeps_its_history(repo: Path, tmp_path: Path) -> None:
    git(repo, "mv", "content/agreements/estonia-mou.md", "content/agreements/estonia-mou-2023.md")
    commit(repo, "A slug with the year", "2024-05-25T10:00:00+08:00")
    out = tmp_path / "site"
    assert build(repo / "content", out) == 0
    section = history_section(page(out, "agreements/estonia-mou-2023"))
    assert "<q>A slug with the year</q>" in section
    assert "Moved from <code>agreements/estonia-mou.md</code>" in section
    assert "<li>Status: signed → in force</li>" in section
    assert 'First published on <time datetime="2024-01-10">' in section
    assert len(agreement_json(out, "estonia-mou-2023")["history"]) == 4  # type: ignore[arg-type]


def test_a_shallow_clone_builds_with_a_warning(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    out = tmp_path / "site"
    assert build(clone / "content", out) == 0
    err = capsys.readouterr().err
    assert "shallow clone" in err and "git fetch --unshallow" in err
    section = history_section(page(out, "agreements/estonia-mou"))
    assert "First published" not in section
    assert "The earlier history is not in this copy" in section


def test_a_message_in_another_encoding_and_an_odd_date_are_shown(
    repo: Path, tmp_path: Path
) -> None:
    changed = TWO_PARTNERS.replace("Body text, corrected.", "Body text, again.")
    commit(
        repo,
        "Caf\xe9 text".encode("latin-1"),
        "@253402300800 +0000",  # year 10000
        {"content/agreements/estonia-mou.md": changed},
    )
    out = tmp_path / "site"
    assert build(repo / "content", out) == 0
    section = history_section(page(out, "agreements/estonia-mou"))
    assert "<li>Date unknown: <q>Café text</q>" in section
    assert agreement_json(out, "estonia-mou")["history"][0]["date"] is None  # type: ignore[index]


def test_without_history_the_site_is_built_as_before(repo: Path, tmp_path: Path) -> None:
    with_option, outside = tmp_path / "one", tmp_path / "two"
    assert build(repo / "content", with_option, "--no-history") == 0
    shutil.copytree(repo / "content", tmp_path / "copy")
    assert build(tmp_path / "copy", outside) == 0
    for out in (with_option, outside):
        assert 'class="history"' not in page(out, "agreements/estonia-mou")
        assert "history" not in agreement_json(out, "estonia-mou")
        assert (out / "feed.xml").read_bytes() == (with_option / "feed.xml").read_bytes()


def test_the_preview_shows_an_edit_not_yet_committed(repo: Path, tmp_path: Path) -> None:
    path = repo / "content" / "agreements" / "estonia-mou.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    out = tmp_path / "site"
    day = dt.date.fromisoformat(TODAY)
    result = build_site(repo / "content", out, day, ROOT / "templates", preview=True)
    assert result.ok
    assert "Not yet committed" in history_section(page(out, "agreements/estonia-mou"))
    assert "Not yet committed" not in history_section(page(out, "partners/estonia"))


def test_a_later_build_reads_only_the_new_commits_and_gives_the_same_site(
    repo: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    args = ["build", "--content", str(repo / "content"), "--today", TODAY]
    assert main([*args, "--out", str(tmp_path / "warm"), "--cache-dir", str(cache)]) == 0
    assert (cache / MEMORY_NAME).is_file()
    git(repo, "mv", "content/partners/finland.md", "content/partners/suomi.md")
    commit(
        repo,
        "Finland by its own name",
        "2024-05-28T10:00:00+08:00",
        {
            "content/agreements/estonia-mou.md": TWO_PARTNERS.replace("finland", "suomi"),
        },
    )
    assert main([*args, "--out", str(tmp_path / "warm"), "--cache-dir", str(cache)]) == 0
    assert build(repo / "content", tmp_path / "cold") == 0
    for url in ("agreements/estonia-mou", "partners/suomi", "partners/estonia"):
        assert page(tmp_path / "warm", url) == page(tmp_path / "cold", url), url
    assert "Moved from <code>partners/finland.md</code>" in page(
        tmp_path / "cold", "partners/suomi"
    )


# --- what changed, in words (pure) ---------------------------------------------------------


def test_histories_in_the_open_data_are_written_as_json_writes_them() -> None:
    from portal.outputs.opendata import _json_bytes, _records_json

    revision = {"date": "2024-05-20", "commit": "a" * 40, "message": 'A "quote" é', "changed": []}
    records = [
        {"slug": "a", "history": [revision, {**revision, "date": None, "changed": ["title"]}]},
        {"slug": "b", "history": []},
        {"slug": "c"},
    ]
    document = {"title": "T", "agreements": records}
    assert _records_json(document, records) == _json_bytes(document)


def test_changes_are_said_in_words_for_the_fields_a_reader_cares_about() -> None:
    old = AGREEMENT
    new = (
        AGREEMENT.replace("title: Memorandum on digital cooperation", "title: Digital memorandum")
        .replace("status: signed", 'status: "in-force"')
        .replace("partners: [estonia]", "partners: [finland]")
        .replace("summary: Cooperation on e-governance.", "summary: " + "Long. " * 20)
    )
    changes, text, unreadable = diff_texts("agreements", old, new)
    assert [c.words for c in changes] == [
        "Title: Memorandum on digital cooperation → Digital memorandum",
        "Status: signed → in force",
        "Partners: added finland; removed estonia",
        "Summary revised",
    ]
    assert not text and not unreadable


def test_the_same_value_written_otherwise_is_no_change() -> None:
    new = AGREEMENT.replace("signed: 2023-09-14", "signed: '2023-09-14'  # a quoted date")
    assert diff_texts("agreements", AGREEMENT, new) == ((), False, False)


def test_a_version_that_cannot_be_read_is_said_to_be_so() -> None:
    changes, _text, unreadable = diff_texts("agreements", "no front matter", AGREEMENT)
    assert (changes, unreadable) == ((), True)
    bad = AGREEMENT.replace("status: signed", "status: [signed")
    changes, _text, unreadable = diff_texts("agreements", bad, AGREEMENT)
    assert [c.words for c in changes] == ["Status changed"] and not unreadable


def test_the_time_zone_is_an_iana_name() -> None:
    from portal.content.config import parse_config

    config, problems = parse_config(SITE, "site.yaml")
    assert config is not None and config.time_zone == "Asia/Manila" and not problems
    _config, problems = parse_config(SITE_YAML + "time_zone: Manila\n", "site.yaml")
    assert [str(p) for p in problems] == [
        "site.yaml:14: time_zone: `Manila` is not a time zone; give an IANA name such as "
        "`Asia/Manila` or `UTC`"
    ]


def test_a_broken_repository_is_not_a_problem_of_the_content(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = git(repo, "rev-parse", "HEAD~2:content/agreements/estonia-mou.md").strip()
    (repo / ".git" / "objects" / first[:2] / first[2:]).unlink()  # a version is lost
    out = tmp_path / "site"
    assert build(repo / "content", out) == 0
    assert "A version could not be read" in history_section(page(out, "agreements/estonia-mou"))
    tree = git(repo, "rev-parse", "HEAD~1^{tree}").strip()
    (repo / ".git" / "objects" / tree[:2] / tree[2:]).unlink()  # now git log fails
    assert build(repo / "content", out) == 0
    assert "the history could not be read from git" in capsys.readouterr().err
    assert 'class="history"' not in page(out, "agreements/estonia-mou")


def test_a_quick_preview_page_marks_its_saved_record_not_yet_committed(tmp_path: Path) -> None:
    from dataclasses import replace

    from portal.model.records import RecordHistory, Revision
    from portal.pipeline import check_site
    from tests.support.sites import write_site

    site = check_site(write_site(tmp_path, {}), dt.date.fromisoformat(TODAY)).site
    assert site is not None
    agreement = site.agreement("estonia-mou")
    assert mark_uncommitted(site, [agreement]) is site  # not in git: no history
    first = Revision("c" * 40, dt.date(2024, 1, 10), "Add it")
    kept = replace(site, history={"agreements/estonia-mou.md": RecordHistory((first,))})
    marked = mark_uncommitted(kept, [agreement]).history_of(agreement)
    assert marked == RecordHistory((first,), uncommitted=True)


def test_a_message_line_keeps_no_character_a_reader_may_not_be_given() -> None:
    raw = "Fix\ttitle \x1b[31m\uffff\U0010ffff of the 😀 MoU\r\n".encode()
    assert message_line(raw) == "Fixtitle [31m of the 😀 MoU"
