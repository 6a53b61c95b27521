"""Parsers for single front matter values, and the reader that applies a field table.

Each parser takes what YAML gave and returns a typed value, or raises FieldError
with a message that says what was found and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pycountry

from portal.model.records import Document, Source
from portal.model.values import PartialDate, Problem, Term
from portal.content.yamlsafe import Mapping

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX = 80
DATE = re.compile(r"^(\d{1,4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DATE_WITH_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d")
TERM = re.compile(r"^([1-9][0-9]{0,2}) (year|years|month|months)$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class FieldErrors(Exception):
    """Several problems inside one value (entries of a list of sources, say)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].message)
        self.errors = errors


class FieldError(Exception):
    """A value that breaks a rule; `line` points inside a nested value when known."""

    def __init__(self, message: str, line: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.field = field


def found(value: Any) -> str:
    """Describe a YAML value for a message: its kind, and the value when short."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"`{str(value).lower()}` (a yes/no value)"
    if isinstance(value, (int, float)):
        return f"the number `{value}`"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"`{shown}`"
    if isinstance(value, dict):
        return "a set of `key: value` lines"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def text(value: Any) -> str:
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            raise FieldError("is empty; write the text")
        return stripped
    hint = "; put it in quotes to make it text" if isinstance(value, (int, float, bool)) else ""
    raise FieldError(f"must be text, found {found(value)}{hint}")


def plain_text(max_chars: int | None = None) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = text(value)
        if "\n\n" in result.replace("\r", ""):
            raise FieldError("must be one paragraph; remove the blank line")
        if max_chars is not None and len(result) > max_chars:
            raise FieldError(
                f"is {len(result)} characters long; the limit is {max_chars}. "
                "Shorten it and put the detail in the body"
            )
        return " ".join(result.split())

    return parse


def choice(enum: type[E]) -> Callable[[Any], E]:
    allowed = [member.value for member in enum]

    def parse(value: Any) -> E:
        if isinstance(value, str) and value in allowed:
            return enum(value)
        near = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f"; did you mean `{near[0]}`?" if near else ""
        raise FieldError(
            f"{found(value)} is not one of the allowed values{hint} (allowed: {', '.join(allowed)})"
        )

    return parse


def slug(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldError(f"must be a slug, found {found(value)}")
    check_slug(value)
    return value


def check_slug(value: str) -> None:
    if not SLUG.match(value):
        raise FieldError(
            f"`{value}` is not a valid slug: use lowercase letters a-z, digits and single "
            "hyphens, like `dict-kaspersky-2018`"
        )
    if len(value) > SLUG_MAX:
        raise FieldError(f"`{value}` is {len(value)} characters long; the limit is {SLUG_MAX}")


def slug_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        raise FieldError(f"must be a list, found {found(value)}; write it as `[{value}]`")
    if not isinstance(value, list):
        raise FieldError(f"must be a list of slugs, found {found(value)}")
    result: list[str] = []
    for item in value:
        item_slug = slug(item)
        if item_slug in result:
            raise FieldError(f"lists `{item_slug}` twice")
        result.append(item_slug)
    return tuple(result)


def nonempty(parse: Callable[[Any], tuple[T, ...]]) -> Callable[[Any], tuple[T, ...]]:
    def wrapped(value: Any) -> tuple[T, ...]:
        result = parse(value)
        if not result:
            raise FieldError("must list at least one")
        return result

    return wrapped


def text_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise FieldError(f"must be a list of text, found {found(value)}")
    return tuple(text(item) for item in value)


def partial_date(value: Any) -> PartialDate:
    """`2023-09-14`, `2023-09` or `2023`, quoted or not; never a time."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FieldError(f"must be a date like 2023-09-14, 2023-09 or 2023, found {found(value)}")
    raw = str(value).strip()
    if DATE_WITH_TIME.match(raw):
        raise FieldError(f"`{raw}` has a time; dates are calendar days: write `{raw[:10]}`")
    match = DATE.match(raw)
    if not match:
        raise FieldError(f"`{raw}` is not a date; write 2023-09-14, 2023-09 or 2023")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if year < 1000:
        raise FieldError(f"`{raw}`: write the year with four digits")
    if month is not None and not 1 <= month <= 12:
        raise FieldError(f"`{raw}` has no month {month}")
    if day is not None:
        try:
            dt.date(year, month or 1, day)
        except ValueError:
            raise FieldError(f"`{raw}` is not a day of the calendar") from None
    return PartialDate(year, month, day)


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise FieldError(f"must be `true` or `false`, found {found(value)}")


def integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise FieldError(f"must be a whole number, found {found(value)}")


ADDRESS_START = re.compile(r"https?://", re.IGNORECASE)


def http_url(value: Any) -> str:
    raw = text(value)
    if len(ADDRESS_START.findall(raw)) > 1:
        raise FieldError(
            f"`{raw}` holds more than one address; a url is one address: give each its "
            "own entry (for sources, one `- title: ... url: ...` per address)"
        )
    if any(char.isspace() for char in raw):
        raise FieldError(
            f"`{raw}` has a space in it, and a web address has none; remove it, or write "
            "it as `%20` where the address really has one"
        )
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FieldError(f"`{raw}` is not a web address; it must start with https:// or http://")
    return raw


def document_url(value: Any) -> str:
    """A web address, or a path into content/static/ (`static/texts/x.pdf`)."""
    raw = text(value)
    if raw.lstrip("/").startswith("static/"):
        rel = raw.lstrip("/")
        if ".." in rel.split("/"):
            raise FieldError(f"`{raw}` must not contain `..`")
        return rel
    if not ADDRESS_START.match(raw):
        raise FieldError(
            f"`{raw}` is neither a web address (https://...) nor a file in content/static/ "
            "(static/...)"
        )
    return http_url(raw)


def country(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldError(f"must be a two-letter ISO 3166-1 country code, found {found(value)}")
    code = value.strip()
    known = len(code) == 2 and code.isascii() and code.isalpha()
    if known and pycountry.countries.get(alpha_2=code.upper()) is not None:
        if code != code.upper():
            raise FieldError(f"`{code}`: write country codes in capitals, `{code.upper()}`")
        return code
    raise FieldError(f"`{code}` is not an ISO 3166-1 alpha-2 country code (such as PH, US, EE)")


def country_name(code: str) -> str:
    record = pycountry.countries.get(alpha_2=code)
    if record is None:
        return code
    return str(getattr(record, "common_name", None) or record.name)


def language(value: Any) -> str:
    raw = text(value)
    if not LANGUAGE.match(raw):
        raise FieldError(f"`{raw}` is not a language tag such as `en`, `fil` or `pt-BR`")
    return raw


def term(value: Any) -> Term:
    raw = str(value).strip() if isinstance(value, (str, int)) else None
    match = TERM.match(raw or "")
    if not match:
        raise FieldError(f"{found(value)} is not a term; write `3 years` or `18 months`")
    count, unit = int(match.group(1)), match.group(2)
    unit = unit if unit.endswith("s") else unit + "s"
    return Term(count, unit)


# --- tables of fields ------------------------------------------------------


@dataclass(frozen=True)
class Field:
    parse: Callable[[Any], Any]
    required: bool = False


def read(
    meta: Mapping, table: dict[str, Field], path: str, problems: list[Problem], prefix: str = ""
) -> dict[str, Any]:
    """Apply a field table to a mapping: typed values out, problems appended."""
    values: dict[str, Any] = {}
    for key in meta:
        if key not in table:
            near = difflib.get_close_matches(key, list(table), n=1, cutoff=0.6)
            hint = f"; did you mean `{near[0]}`?" if near else ""
            allowed = ", ".join(table)
            problems.append(
                Problem(
                    path,
                    meta.line_of(key),
                    prefix + key,
                    f"unknown field{hint}" + ("" if near else f"; known fields: {allowed}"),
                )
            )
    for name, spec in table.items():
        if name not in meta or meta[name] is None:
            if spec.required:
                line = meta.line_of(name) if name in meta else meta.line
                problems.append(Problem(path, line, prefix + name, "is required"))
            continue
        try:
            values[name] = spec.parse(meta[name])
        except FieldError as exc:
            problems.append(
                Problem(
                    path,
                    exc.line or meta.line_of(name),
                    f"{prefix}{name}{exc.field or ''}",
                    exc.message,
                )
            )
        except FieldErrors as many:
            problems.extend(
                Problem(
                    path,
                    exc.line or meta.line_of(name),
                    f"{prefix}{name}{exc.field or ''}",
                    exc.message,
                )
                for exc in many.errors
            )
    return values


def mapping_list(
    table: dict[str, Field], build: Callable[[dict[str, Any]], T]
) -> Callable[[Any], tuple[T, ...]]:
    """A list of `key: value` groups (sources, documents), each checked against table."""

    def parse(value: Any) -> tuple[T, ...]:
        if not isinstance(value, list):
            raise FieldError(f"must be a list of entries starting with `- `, found {found(value)}")
        result: list[T] = []
        errors: list[FieldError] = []
        for index, item in enumerate(value, start=1):
            if not isinstance(item, Mapping):
                errors.append(
                    FieldError(
                        f"entry {index} must be a set of `key: value` lines, found {found(item)}"
                    )
                )
                continue
            problems: list[Problem] = []
            values = read(item, table, "", problems)
            errors.extend(
                FieldError(p.message, p.line or item.line, f"[{index}].{p.field}") for p in problems
            )
            if not problems:
                result.append(build(values))
        if errors:
            raise FieldErrors(errors)
        return tuple(result)

    return parse


SOURCE_FIELDS = {
    "title": Field(text, required=True),
    "url": Field(http_url, required=True),
    "publisher": Field(text),
    "date": Field(partial_date),
}
DOCUMENT_FIELDS = {
    "title": Field(text, required=True),
    "url": Field(document_url, required=True),
    "language": Field(language),
}
sources = mapping_list(SOURCE_FIELDS, lambda v: Source(**v))
documents = mapping_list(DOCUMENT_FIELDS, lambda v: Document(**v))
