"""site.yaml -> SiteConfig."""

from __future__ import annotations

from portal.content.config import parse_config
from tests.support.sites import SITE_YAML


def test_the_base_url_path_is_kept_and_ends_with_a_slash() -> None:
    config, problems = parse_config(
        SITE_YAML.replace("https://example.org/portal/", "https://example.org/portal"), "s"
    )
    assert problems == []
    assert config is not None
    assert (config.base_url, config.base_path) == ("https://example.org/portal/", "/portal/")
    assert config.language == "en"
    assert config.agency("dict").short == "DICT"


def test_every_problem_in_site_yaml_is_reported() -> None:
    text = SITE_YAML.replace("country: PH", "country: Philippines").replace(
        "base_url: https://example.org/portal/", "base_url: example.org"
    )
    config, problems = parse_config(text + "  Bad_Slug:\n    label: X\n", "content/site.yaml")
    assert config is None
    assert [str(p) for p in problems] == [
        "content/site.yaml:3: base_url: `example.org` is not a web address; it must start "
        "with https:// or http://",
        "content/site.yaml:6: home.country: `Philippines` is not an ISO 3166-1 alpha-2 "
        "country code (such as PH, US, EE)",
        "content/site.yaml:14: areas.Bad_Slug: `Bad_Slug` is not a valid slug: use lowercase "
        "letters a-z, digits and single hyphens, like `dict-kaspersky-2018`",
    ]
