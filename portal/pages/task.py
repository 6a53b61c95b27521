"""One HTML page to render, and what its template is given as `site`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from portal.model.records import SiteConfig


@dataclass(frozen=True)
class TemplateSite:
    """What a template sees as `site`: the configuration, nothing else. Everything else a
    page shows is handed to it as values (and so is part of its cache key)."""

    config: SiteConfig


@dataclass(frozen=True)
class PageTask:
    """One HTML page to render: published at `url`, from `template`, with `values`."""

    url: str
    template: str
    values: Mapping[str, object] = field(default_factory=dict)
