"""The search filters' values a record gets, whatever builds the index from them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from portal.pages.search_data import search_data
from portal.pipeline import check_site
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
    years = {}
    for agreement in site.agreements:
        data = search_data(site, agreement)
        assert data is not None
        years[agreement.slug] = [value for facet, value in data.filters if facet == "year"]
    assert years["estonia-mou"] == ["2023"]
    assert years["undated-signing"] == ["2022"]  # no signing date: entry into force
