"""The build day: --today, SOURCE_DATE_EPOCH, or today."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.cli import UsageError, default_today, main


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
