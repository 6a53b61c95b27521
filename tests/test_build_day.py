"""The build day: --today, SOURCE_DATE_EPOCH, or today; and what it decides in every output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from portal.cli import main
from portal.options import TEMPLATES, UsageError, default_today
from portal.pipeline import build_site
from tests.support.sites import AGREEMENT, write_site


def test_source_date_epoch_fixes_the_day_in_utc() -> None:
    assert default_today({"SOURCE_DATE_EPOCH": "1700000000"}) == dt.date(2023, 11, 14)


def test_without_it_the_day_is_today() -> None:
    before = dt.date.today()
    day = default_today({})
    after = dt.date.today()  # the clock may pass midnight between the two
    assert day in (before, after)


def test_a_bad_epoch_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="is not a number of seconds since 1970"):
        default_today({"SOURCE_DATE_EPOCH": "yesterday"})


def test_a_bad_today_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--today", "2024-13-01"]) == 2
    assert "`2024-13-01` is not a date; write it as YYYY-MM-DD" in capsys.readouterr().err


def test_a_missing_content_folder_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--content", "/nonexistent/content"]) == 2
    assert "the content folder /nonexistent/content does not exist" in capsys.readouterr().err


# Each published file that shows an agreement's status, with how it says "in force" and
# how it says "expired".
STATUS_SHOWN = {
    "agreements/estonia-mou/index.html": ("badge-in-force", "badge-expired"),
    "agreements/index.html": ('data-status="in-force"', 'data-status="expired"'),
    "partners/estonia/index.html": ("badge-in-force", "badge-expired"),
    "timeline/index.html": ("(in force)", "(expired)"),
    "data/agreements.json": ('"shown_status": "in-force"', '"shown_status": "expired"'),
    "data/agreements.csv": (",in-force,2025-01-02,2025-01-02,", ",expired,2025-01-03,2025-01-02,"),
    "feed.xml": ("status:in-force", "status:expired"),
}


@pytest.mark.parametrize(
    ("today", "shown"), [("2025-01-02", "in force"), ("2025-01-03", "expired")]
)
def test_every_output_shows_the_same_status_on_and_after_the_expiry_day(
    tmp_path: Path, today: str, shown: str
) -> None:
    text = AGREEMENT.replace("status: signed", "status: in-force")
    text = text.replace("---\nBody", "expires: 2025-01-02\n---\nBody")
    content = write_site(tmp_path, {"agreements/estonia-mou.md": text})
    out = tmp_path / "site"
    assert build_site(content, out, dt.date.fromisoformat(today), TEMPLATES).ok
    for path, (in_force, expired) in STATUS_SHOWN.items():
        page = (out / path).read_text(encoding="utf-8")
        wanted, unwanted = (in_force, expired) if shown == "in force" else (expired, in_force)
        assert wanted in page and unwanted not in page, (path, today)
