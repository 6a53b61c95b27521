"""The search filters' values a record gets, whatever builds the index from them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from portal.pipeline import check_site
from portal.render import render_bodies
from portal.search import records
from tests.support.sites import AGREEMENT, write_site


def test_an_agreements_year_is_the_year_it_was_signed_not_its_entry_into_force(
    tmp_path: Path,
) -> None:
    signed_in_one_year = AGREEMENT.replace(
        "signed: 2023-09-14", "signed: 2023-12-20\neffective: 2024-02-01"
    )
    in_force_only = AGREEMENT.replace("status: signed", "status: in-force").replace(
        "signed: 2023-09-14", "date_unknown: [signed]\neffective: 2022-05"
    )
    content = write_site(
        tmp_path,
        {
            "agreements/estonia-mou.md": signed_in_one_year,
            "agreements/undated-signing.md": in_force_only,
        },
    )
    site = check_site(content, dt.date(2025, 1, 1)).site
    assert site is not None
    years = {r.url: r.filters.get("year") for r in records(site, render_bodies(site))}
    assert years["agreements/estonia-mou/"] == ("2023",)
    assert years["agreements/undated-signing/"] == ("2022",)  # no signing date: entry into force
