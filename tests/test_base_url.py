"""`build --base-url URL`: publish at another address than site.yaml's base_url.

The publish workflow passes the address GitHub Pages reports; a reviewer's copy of a
pull request's site is built for http://localhost:8000/.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from portal.cli import main
from portal.pipeline import check_site
from tests.support.sites import write_site

TODAY = dt.date(2024, 1, 31)


def test_check_site_uses_the_given_base_url_instead_of_site_yaml(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    default = check_site(content, TODAY).site
    assert default is not None and default.config.base_url == "https://example.org/portal/"

    result = check_site(content, TODAY, base_url="https://owner.github.io/repo/")
    assert result.site is not None
    assert result.site.config.base_url == "https://owner.github.io/repo/"
    assert result.site.config.base_path == "/repo/"
    assert result.site.config.title == default.config.title  # only base_url changes


def test_build_writes_links_under_the_given_address(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    out = tmp_path / "site"
    argv = ["build", "--content", str(content), "--out", str(out), "--today", "2024-01-31"]
    assert main([*argv, "--base-url", "https://owner.github.io/repo"]) == 0

    html = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'(?:href|src)="(/[^"]*)"', html)
    assert links, "expected site-absolute links on the home page"
    assert all(link.startswith("/repo/") for link in links), links
    for path in out.rglob("*"):
        if path.is_file():
            assert b"example.org/portal" not in path.read_bytes(), path


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("owner.github.io/repo", "is not a web address"),
        ("https://example.org/x/?page=1", "must not have a `?query`"),
    ],
)
def test_a_bad_base_url_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    content = write_site(tmp_path, {})
    out = tmp_path / "site"
    assert main(["build", "--content", str(content), "--out", str(out), "--base-url", value]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
