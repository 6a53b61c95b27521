"""A page whose body quotes with angle brackets, as real treaty texts do, read by a browser:
every character typed is on the page, the allowed tags work, nothing runs, the page is
valid HTML and passes the accessibility check (with a task list and a table)."""

from __future__ import annotations

from pathlib import Path

from portal.cli import main
from tests.support.browser import axe_violations, chromium_page, format_violations
from tests.support.htmlcheck import validate_html
from tests.support.serve import serve_dir
from tests.support.sites import write_site

TODAY = "2024-06-01"
TYPED = [
    "les mots <<trois cents francs>> sont remplaces",
    "<<a Mannheim>> sont supprimes",
    "the <word> and <a word> stay",
    "and <script>alert(1)</script> is text",
]


def test_a_treaty_text_reads_as_typed_in_a_browser(tmp_path: Path) -> None:
    body = "\n\n".join(TYPED)
    content = write_site(
        tmp_path,
        {
            "pages/amendment.md": (
                "---\ntitle: Amendment\n---\n"
                f"## Article 1\n\n{body}\n\n"
                'A <b>bold</b> word and <a href="/partners/estonia/">a partner</a>.\n\n'
                "- [x] signed\n- [ ] ratified\n\n"
                "| Old | New |\n|:--|--:|\n| <<trois>> | mille |\n"
            ),
        },
    )
    out = tmp_path / "site"
    args = ["build", "--content", str(content), "--out", str(out), "--today", TODAY]
    assert main([*args, "--no-cache"]) == 0
    page = out / "amendment" / "index.html"
    assert validate_html([page]) == []
    with serve_dir(out, prefix="/portal/") as base, chromium_page() as bp:
        bp.goto(base + "amendment/")
        main_text = bp.page.inner_text("main")
        for line in TYPED:
            assert line in main_text
        assert bp.page.evaluate("typeof window.alerted") == "undefined"
        assert bp.page.locator("main b").inner_text() == "bold"
        assert bp.page.locator("main a[href='/portal/partners/estonia/']").count() == 1
        assert bp.page.locator("main input[type=checkbox][disabled]").count() == 2
        assert bp.page.locator("main td.align-left").inner_text() == "<<trois>>"
        assert bp.console_errors == []
        violations = axe_violations(bp)
        assert violations == [], format_violations(violations)
