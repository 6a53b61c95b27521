"""Small content folders for tests, written from strings the test shows."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

SITE_YAML = """\
title: Test register
description: A register used by the tests.
base_url: https://example.org/portal/
home:
  name: Republic of the Philippines
  country: PH
agencies:
  dict:
    name: Department of Information and Communications Technology
    acronym: DICT
areas:
  cybersecurity:
    label: Cybersecurity
"""

PARTNER = """\
---
name: Estonia
type: government
country: EE
summary: The Republic of Estonia.
---
"""

AGREEMENT = """\
---
title: Memorandum on digital cooperation
kind: memorandum-of-understanding
status: signed
signed: 2023-09-14
partners: [estonia]
agencies: [dict]
areas: [cybersecurity]
summary: Cooperation on e-governance.
sources:
  - title: An article
    url: https://example.org/article
---
Body text.
"""


def write_site(root: Path, files: dict[str, str], base: bool = True) -> Path:
    """Write a content folder: a minimal valid site (unless base=False), then `files`.

    Keys are paths under the content folder; values are dedented. A value of None
    would be ambiguous, so to drop a base file pass base=False and list all files.
    """
    content = root / "content"
    defaults = {
        "site.yaml": SITE_YAML,
        "partners/estonia.md": PARTNER,
        "agreements/estonia-mou.md": AGREEMENT,
    }
    for rel, text in {**(defaults if base else {}), **files}.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return content


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under folder with its bytes and modification time, to prove nothing changed."""
    result: dict[str, tuple[bytes, int]] = {}
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(dirpath) / name
            result[path.relative_to(folder).as_posix()] = (
                path.read_bytes(),
                path.stat().st_mtime_ns,
            )
    return result
