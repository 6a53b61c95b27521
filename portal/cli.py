"""The command line: `python build.py [build|check|serve|new] ...`.

Exit status: 0 when all is well, 1 when the content has problems, 2 for a usage error.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from portal.cache.store import BodyCache
from portal.model.values import Problem, Severity
from portal.options import COMMANDS, ROOT, TEMPLATES, UsageError, default_today, make_parser
from portal.pipeline import Progress, Result, build_site, check_site
from portal.publish.write import WriteError


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def format_problem(problem: Problem, style: str, strict: bool = False) -> str:
    if style == "github":
        # An annotation on the offending line; under --strict a warning fails, so it is an error.
        error = problem.severity is Severity.ERROR or strict
        level = "error" if error else "warning"
        line = f",line={problem.line}" if problem.line else ""
        title = f",title={_github_property(problem.field)}" if problem.field else ""
        message = f"{problem.field}: {problem.message}" if problem.field else problem.message
        where = f"file={_github_property(problem.path)}{line}{title}"
        return f"::{level} {where}::{_github_data(message)}"
    prefix = "warning: " if problem.severity is Severity.WARNING else ""
    return prefix + str(problem)


def report(result: Result, out: TextIO, style: str = "text", strict: bool = False) -> int:
    """Print problems; return the exit status they call for."""
    warnings = result.warnings
    for problem in result.errors:
        print(format_problem(problem, style), file=out)
    for problem in warnings:
        print(format_problem(problem, style, strict), file=out)
    if result.errors or (strict and warnings):
        count = len(result.errors) + (len(warnings) if strict else 0)
        found = "1 problem found. Fix it" if count == 1 else f"{count} problems found. Fix them"
        if style == "text":
            print(f"\n{found} and run the command again; nothing was written.", file=out)
        return 1
    return 0


def new_command(content: Path, kind: str, slug: str, today: dt.date, title: str | None) -> int:
    from portal.scaffold import ScaffoldError, new_record

    if title is not None and (not title.strip() or any(ord(c) < 32 for c in title)):
        print("error: --title must be one line of text", file=sys.stderr)
        return 2
    try:
        path = new_record(content, kind, slug, today, title)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    print(
        f"Replace the TODOs in {path}, then run `python build.py check`; "
        "`python build.py serve` shows it.",
        file=sys.stderr,
    )
    return 0


def progress_printer(stream: TextIO, wanted: bool | None) -> Progress | None:
    """Progress on a terminal (one line, redrawn), or, when asked, a few lines in a log."""
    live = stream.isatty()
    if wanted is False or (wanted is None and not live):
        return None
    shown: dict[str, int] = {}

    def show(stage: str, done: int, total: int) -> None:
        if live:
            end = "\n" if done >= total else ""
            print(f"\r{stage} {done}/{total}", end=end, file=stream, flush=True)
            return
        step = done * 4 // max(total, 1)  # a line at each quarter
        if shown.get(stage) != step:
            shown[stage] = step
            print(f"{stage} {done}/{total}", file=stream, flush=True)

    return show


def _normalise_argv(argv: Sequence[str]) -> list[str]:
    args = list(argv)
    if not args or (args[0] not in COMMANDS and args[0] not in ("-h", "--help")):
        args.insert(0, "build")
    return args


def main(argv: Sequence[str] | None = None, environ: dict[str, str] | None = None) -> int:
    args_in = _normalise_argv(sys.argv[1:] if argv is None else argv)
    environ = dict(os.environ) if environ is None else environ
    parser = make_parser()
    try:
        args = parser.parse_args(args_in)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        today = args.today or default_today(environ)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.content.is_dir():
        print(
            f"error: the content folder {args.content} does not exist; "
            "give another with --content DIR",
            file=sys.stderr,
        )
        return 2

    if args.command == "serve":
        from portal.preview import serve

        fixed = args.today
        return serve.run(
            args.content,
            args.out,
            TEMPLATES,
            [args.content, TEMPLATES, ROOT / "assets"],
            lambda: fixed or default_today(environ),
            host=args.host,
            port=args.port,
            polling=args.poll,
            history=not args.no_history,
        )
    if args.command == "new":
        return new_command(args.content, args.kind, args.slug, today, args.title)

    started = time.perf_counter()
    if args.command == "check":
        cache = None if args.no_cache else BodyCache(args.cache_dir)
        result = check_site(args.content, today, cache=cache)
        status = report(result, sys.stderr, args.format, args.strict)
        if status == 0 and args.format == "text" and result.site is not None:
            site = result.site
            print(
                f"OK: {len(site.agreements)} agreements, {len(site.partners)} partners, "
                f"{len(site.events)} events, {len(site.pages)} pages checked "
                f"in {time.perf_counter() - started:.2f} s."
            )
        return status

    try:
        result = build_site(
            args.content,
            args.out,
            today,
            TEMPLATES,
            preview=args.drafts,
            base_url=args.base_url,
            cache=None if args.no_cache else BodyCache(args.cache_dir),
            progress=progress_printer(sys.stderr, args.progress),
            history=not args.no_history,
        )
    except WriteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    status = report(result, sys.stderr)
    if status == 0 and result.unchanged is not None:
        print(
            f"Nothing to do: {args.out}/ holds the {result.unchanged.agreements} agreements "
            f"as the last build wrote them from the same content, templates and options "
            f"({result.unchanged.report.unchanged} files unchanged; checked in "
            f"{time.perf_counter() - started:.2f} s, build day {today.isoformat()})."
        )
    elif status == 0 and result.report is not None and result.site is not None:
        r = result.report
        print(
            f"Built {len(result.site.agreements)} agreements into {args.out}/: "
            f"{r.written} files written, {r.unchanged} unchanged, {r.removed} removed "
            f"in {time.perf_counter() - started:.2f} s (build day {today.isoformat()})."
        )
    return status
