"""Make Pagefind's bundle the same bytes on every build of the same records.

Pagefind (1.5) writes each filter's values, and the lists of filters and of sort orders
in its metadata file, in the order of a Rust HashMap, seeded at random in every process; the
files are named after a hash of their contents. So two builds of the same site give
`filter/*.pf_filter` files with other bytes and other names, another `*.pf_meta` and
another `pagefind-entry.json`. This sorts those lists, renames the files after their
new contents and updates the references. Everything else passes through unchanged.

The files are gzip (Pagefind's own header: no time stamp) around `pagefind_dcd` and one
CBOR value; only the small part of CBOR that Pagefind writes is read here, and any file
that does not have the expected shape is left as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

SIGNATURE = b"pagefind_dcd"


@dataclass(frozen=True)
class Raw:
    """A CBOR item kept as its bytes: floats, true/false/null, tags."""

    data: bytes


Value = int | str | bytes | list["Value"] | dict["Value", "Value"] | Raw


class NotPagefind(ValueError):
    pass


def _head(data: bytes, at: int) -> tuple[int, int, int]:
    """(major type, argument, offset after the head) of the item at `at`."""
    if at >= len(data):
        raise NotPagefind("truncated CBOR")
    first = data[at]
    major, info = first >> 5, first & 0x1F
    if info < 24:
        return major, info, at + 1
    if info > 27:
        raise NotPagefind("indefinite or reserved CBOR length")
    size = 1 << (info - 24)
    if at + 1 + size > len(data):
        raise NotPagefind("truncated CBOR")
    return major, int.from_bytes(data[at + 1 : at + 1 + size], "big"), at + 1 + size


def decode(data: bytes, at: int = 0) -> tuple[Value, int]:
    """One CBOR item from data[at:]: (value, offset after it)."""
    major, arg, end = _head(data, at)
    if major == 0:
        return arg, end
    if major == 1:
        return -1 - arg, end
    if major in (2, 3):
        chunk = data[end : end + arg]
        if len(chunk) != arg:
            raise NotPagefind("truncated CBOR")
        return (bytes(chunk) if major == 2 else chunk.decode("utf-8")), end + arg
    if major == 4:
        items: list[Value] = []
        for _ in range(arg):
            item, end = decode(data, end)
            items.append(item)
        return items, end
    if major == 5:
        mapping: dict[Value, Value] = {}
        for _ in range(arg):
            key, end = decode(data, end)
            mapping[key], end = decode(data, end)
        return mapping, end
    if major == 6:
        _tagged, after = decode(data, end)
        return Raw(data[at:after]), after
    return Raw(data[at:end]), end  # major 7: simple values and floats


def _encode_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise ValueError(f"{arg} does not fit in CBOR")


def encode(value: Value) -> bytes:
    """The shortest CBOR encoding, as Pagefind writes it."""
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, bool):
        raise TypeError("booleans are kept as Raw")
    if isinstance(value, int):
        return _encode_head(0, value) if value >= 0 else _encode_head(1, -1 - value)
    if isinstance(value, bytes):
        return _encode_head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _encode_head(3, len(raw)) + raw
    if isinstance(value, list):
        return _encode_head(4, len(value)) + b"".join(encode(v) for v in value)
    return _encode_head(5, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())


def read(file: bytes) -> Value:
    data = gzip.decompress(file)
    if not data.startswith(SIGNATURE):
        raise NotPagefind("no pagefind_dcd signature")
    value, end = decode(data, len(SIGNATURE))
    if end != len(data):
        raise NotPagefind("data after the CBOR value")
    return value


def write(value: Value) -> bytes:
    return gzip.compress(SIGNATURE + encode(value), compresslevel=9, mtime=0)


def _name(value: Value) -> str:
    return value[0] if isinstance(value, list) and value and isinstance(value[0], str) else ""


def _digest(value: Value, length: int) -> str:
    return hashlib.sha256(SIGNATURE + encode(value)).hexdigest()[:length]


FILTER = re.compile(r"^(?P<dir>.*filter/)(?P<lang>[\w-]+)_(?P<hash>[0-9a-f]+)\.pf_filter$")
META = re.compile(r"^(?P<dir>.*)pagefind\.(?P<lang>[\w-]+)_(?P<hash>[0-9a-f]+)\.pf_meta$")


def stabilise(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Pagefind's bundle {path: bytes} with filters and their list sorted, files renamed."""
    result = dict(files)
    renamed: dict[str, str] = {}  # old hash ("en_2758aad") -> new hash
    for path, data in files.items():
        match = FILTER.match(path)
        if not match:
            continue
        try:
            value = read(data)
        except (NotPagefind, OSError, EOFError, UnicodeDecodeError):
            continue
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], list)):
            continue
        value = [value[0], sorted(value[1], key=_name)]
        old = f"{match['lang']}_{match['hash']}"
        new = f"{match['lang']}_{_digest(value, len(match['hash']))}"
        renamed[old] = new
        del result[path]
        result[f"{match['dir']}{new}.pf_filter"] = write(value)

    for path, data in files.items():
        match = META.match(path)
        if not match:
            continue
        try:
            meta = read(data)
        except (NotPagefind, OSError, EOFError, UnicodeDecodeError):
            continue
        if not isinstance(meta, list):
            continue
        meta = [_named_list(item, renamed) for item in meta]
        old = f"{match['lang']}_{match['hash']}"
        new = f"{match['lang']}_{_digest(meta, len(match['hash']))}"
        del result[path]
        result[f"{match['dir']}pagefind.{new}.pf_meta"] = write(meta)
        entry = f"{match['dir']}pagefind-entry.json"
        if entry in result:
            result[entry] = result[entry].replace(f'"{old}"'.encode(), f'"{new}"'.encode())
    return result


def _named_list(item: Value, renamed: Mapping[str, str]) -> Value:
    """The metadata's filters [[name, file hash], ...] and sort orders [[name, [page, ...]],
    ...], sorted by name, filter hashes renamed.

    Any other item (the pages, the index chunks: lists whose order means something) is
    returned as it is, and so is the order of pages inside a sort order.
    """
    if not (isinstance(item, list) and item):
        return item
    entries: list[Value] = []
    for entry in item:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
            return item
        name, value = entry
        if isinstance(value, str) and value in renamed:
            entries.append([name, renamed[value]])
        elif isinstance(value, list) and all(isinstance(v, int) for v in value):
            entries.append([name, value])
        else:
            return item
    return sorted(entries, key=_name)
