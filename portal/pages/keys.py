"""Page keys: a hash of every input of a page's rendering, under which the page is cached.

The key covers the template folder, the code of this package, the versions of Jinja and
the libraries the filters use, the settings and globals of the environment, and the
pickled values handed to the template. The template only ever sees those values (`site`
is a `TemplateSite`, the configuration only), so the cached bytes are the ones rendering
would give.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import pickle
import sys
from collections.abc import Callable
from pathlib import Path

import jinja2

from portal.cache.fingerprints import folder_digest, version
from portal.model.records import Agreement, Event, Page, Partner
from portal.model.site import Site
from portal.pages import values
from portal.pages.task import PageTask

PAGE_CACHE_VERSION = 1  # bump when the way page keys are made changes


PACKAGE = Path(__file__).resolve().parents[1]  # portal/: all of its code


def page_fingerprint(templates: Path, env: jinja2.Environment, site: Site) -> str | None:
    """A hash of everything besides a page's own values that decides its bytes: every file
    of the template folder, the code of this package (views, filters, URLs), the versions
    of Python, Jinja, MarkupSafe and pycountry, and the environment's globals and settings.
    None when something cannot be hashed (then nothing is cached)."""
    try:
        settings = pickle.dumps(
            (
                PAGE_CACHE_VERSION,
                sys.version_info[:3],
                [version(d) for d in ("jinja2", "markupsafe", "pycountry")],
                site.config,
                site.today,
                site.preview,
                env.globals.get("menu"),
                env.globals.get("build_day"),
                sorted(env.filters),
                sorted(k for k in env.globals),
                (env.autoescape, env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline),
                folder_digest(templates, "*"),
                folder_digest(PACKAGE, "*.py"),
            ),
            protocol=5,
        )
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(settings, digest_size=20).hexdigest()


# Values that many pages share: records, and the rows that list them (made once per site).
_SHARED_TYPES = (Agreement, Partner, Event, Page, values.AgreementRow, values.EventRow)
Digests = dict[int, tuple[object, bytes]]  # id(value) -> (the value, digest of its pickle)


class _KeyPickler(pickle.Pickler):
    """Pickles a page's values with each shared value in them (a record: agreement, partner,
    event, page; an agreement's or an event's row) replaced by the digest of the value's own
    pickle, made once per build: a record or a row on many pages is pickled once, not once
    per page. The digest stands for every byte of the value, so the key still covers all
    of it."""

    def __init__(self, file: io.BytesIO, digests: Digests) -> None:
        super().__init__(file, protocol=5)
        self._digests = digests
        # Consulted only for objects of other than the built-in types: cheap.
        self.dispatch_table = copyreg.dispatch_table.copy()
        for kind in _SHARED_TYPES:
            self.dispatch_table[kind] = self._reduce_shared

    def _reduce_shared(self, obj: object) -> tuple[Callable[[bytes], None], tuple[bytes]]:
        entry = self._digests.get(id(obj))
        if entry is None or entry[0] is not obj:
            data = pickle.dumps(obj, protocol=5)
            entry = (obj, hashlib.blake2b(data, digest_size=20).digest())
            self._digests[id(obj)] = entry
        return _shared, (entry[1],)


def _shared(digest: bytes) -> None:
    """Stands for a shared value in a page key (keys are never unpickled)."""


def page_key(fingerprint: str, task: PageTask, digests: Digests | None = None) -> str | None:
    """The hash of the fingerprint and of the pickled values of one page; None when the
    values cannot be pickled (the page is then rendered every time). `digests` keeps the
    digests of shared values between calls (see _KeyPickler)."""
    buffer = io.BytesIO()
    try:
        pickler = _KeyPickler(buffer, {} if digests is None else digests)
        pickler.dump((task.url, task.template, sorted(task.values.items())))
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    digest = hashlib.blake2b(fingerprint.encode("ascii"), digest_size=20)
    digest.update(buffer.getbuffer())
    return "page:" + digest.hexdigest()
