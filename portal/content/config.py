"""site.yaml -> SiteConfig: pure, str in; unknown keys are errors."""

from __future__ import annotations

import zoneinfo
from typing import Any
from urllib.parse import urlsplit

from portal.content.fields import (
    Field,
    FieldError,
    FieldErrors,
    check_slug,
    country,
    found,
    http_url,
    language,
    read,
    text,
)
from portal.content.frontmatter import find_control_character
from portal.model.records import Agency, Area, Home, SiteConfig
from portal.model.values import Problem
from portal.content.yamlsafe import Mapping, YamlError, parse_yaml


def base_url(value: Any) -> str:
    raw = http_url(value)
    parts = urlsplit(raw)
    if parts.query or parts.fragment:
        raise FieldError(f"`{raw}` must not have a `?query` or `#fragment`")
    return raw if raw.endswith("/") else raw + "/"


def time_zone(value: Any) -> str:
    """An IANA time zone name, such as `Asia/Manila`."""
    name = text(value)
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise FieldError(
            f"`{name}` is not a time zone; give an IANA name such as `Asia/Manila` or `UTC`"
        ) from None
    return name


def _keyed(build: Any, table: dict[str, Field], label: str) -> Any:
    """A map slug -> {fields}, as for `agencies` and `areas`."""

    def parse(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, Mapping) or not value:
            raise FieldError(f"must map each {label} slug to its details, found {found(value)}")
        errors: list[FieldError] = []
        result = []
        for key, item in value.items():
            line = value.line_of(key)
            try:
                check_slug(key)
            except FieldError as exc:
                errors.append(FieldError(exc.message, line, f".{key}"))
                continue
            if not isinstance(item, Mapping):
                errors.append(
                    FieldError(
                        f"must be a set of `key: value` lines, found {found(item)}", line, f".{key}"
                    )
                )
                continue
            problems: list[Problem] = []
            values = read(item, table, "", problems)
            errors.extend(FieldError(p.message, p.line, f".{key}.{p.field}") for p in problems)
            if not problems:
                result.append(build(slug=key, **values))
        if errors:
            raise FieldErrors(errors)
        return tuple(result)

    return parse


def home(value: Any) -> Home:
    if not isinstance(value, Mapping):
        raise FieldError(f"must have `name` and `country`, found {found(value)}")
    problems: list[Problem] = []
    values = read(value, {"name": Field(text, True), "country": Field(country, True)}, "", problems)
    if problems:
        first = problems[0]
        raise FieldError(first.message, first.line, f".{first.field}")
    return Home(**values)


SITE_FIELDS = {
    "title": Field(text, required=True),
    "description": Field(text, required=True),
    "base_url": Field(base_url, required=True),
    "language": Field(language),
    "time_zone": Field(time_zone),
    "home": Field(home, required=True),
    "agencies": Field(
        _keyed(
            Agency,
            {
                "name": Field(text, True),
                "acronym": Field(text),
                "url": Field(http_url),
            },
            "agency",
        ),
        required=True,
    ),
    "areas": Field(
        _keyed(
            Area,
            {
                "label": Field(text, True),
                "description": Field(text),
            },
            "area",
        ),
        required=True,
    ),
}


def parse_config(text_: str, path: str) -> tuple[SiteConfig | None, list[Problem]]:
    """Read site.yaml's text; return the config, or None and every problem."""
    control = find_control_character(text_)
    if control:
        line, message = control
        return None, [Problem(path, line, "", message)]
    try:
        data = parse_yaml(text_)
    except YamlError as exc:
        return None, [Problem(path, exc.line, exc.field, exc.message)]
    if not isinstance(data, Mapping):
        return None, [Problem(path, 1, "", "must be a set of `key: value` lines")]
    problems: list[Problem] = []
    values = read(data, SITE_FIELDS, path, problems)
    if problems:
        return None, problems
    return SiteConfig(**values), []
