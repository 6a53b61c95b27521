"""The command line: `python build.py [build|check|serve|new] ...`.

Exit status: 0 when all is well, 1 when the content has problems, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from portal.cache.store import BodyCache
from portal.content.config import base_url as check_base_url
from portal.content.fields import FieldError
from portal.model import Problem, Severity
from portal.pipeline import Progress, Result, build_site, check_site
from portal.publish.write import WriteError

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
COMMANDS = ("build", "check", "serve", "new")

DESCRIPTION = """\
Build the public website of a register of international cooperation agreements
from Markdown files with YAML front matter.

commands:
  build   check the content, then write the site into --out (the default command)
  check   check the content and report every problem; writes no site (only the cache)
  serve   preview the site with drafts, rebuilding and reloading on every save
  new     start a new agreement, partner, event or page from a template

Run `python build.py COMMAND --help` for the options of each command.
"""

EPILOG = """\
examples:
  python build.py                          build content/ into site/
  python build.py check                    list every problem in content/
  python build.py build --today 2024-01-31 build as if today were 31 January 2024
  python build.py check --format github    problems as GitHub Actions annotations
  python build.py serve                    preview with drafts at http://127.0.0.1:8000/,
                                           reloading the page on every save
  python build.py new agreement dict-japan-cybersecurity-mou-2024
                                           start an agreement from a commented template

exit status: 0 all is well, 1 the content has problems, 2 the command line is wrong.
Problems are printed as path:line: field: message.
"""


class UsageError(Exception):
    pass


def parse_today(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"`{value}` is not a date; write it as YYYY-MM-DD, like 2024-01-31"
        ) from None


def parse_base_url(value: str) -> str:
    try:
        return check_base_url(value)
    except FieldError as exc:
        raise argparse.ArgumentTypeError(
            f"{exc.message}; give the full address the site is published at, "
            "like https://example.org/register/"
        ) from None


def default_today(environ: dict[str, str]) -> dt.date:
    """Today, or the day of SOURCE_DATE_EPOCH (in UTC) when it is set."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise UsageError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970"
            ) from None
    return dt.date.today()


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("content"),
        metavar="DIR",
        help="the folder with site.yaml, agreements/, partners/, ... (default: content)",
    )
    parser.add_argument(
        "--today",
        type=parse_today,
        metavar="YYYY-MM-DD",
        help="the build day, which decides shown status and 'expires in N days' "
        "(default: SOURCE_DATE_EPOCH if set, else today)",
    )


def _history_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="show no record's history (by default each agreement, partner and event page "
        "lists its revisions, read from the git repository that holds --content, if any)",
    )


def _cache_options(parser: argparse.ArgumentParser, afresh: str) -> None:
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help=f"{afresh}, neither reading nor writing the cache "
        "(the result is the same byte for byte; only slower)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(".cache"),
        metavar="DIR",
        help="where checked files and rendered bodies are kept between runs "
        "(default: .cache); it may be deleted at any time",
    )


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python build.py",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="check the content and write the site (default)",
        description="Check the content, render every page into a staging folder, and "
        "only if all is well publish the site into --out. Files whose bytes did not change are not "
        "rewritten; files no longer produced are removed. A build that fails leaves "
        "--out exactly as it was.",
    )
    _common(build)
    build.add_argument(
        "--out",
        type=Path,
        default=Path("site"),
        metavar="DIR",
        help="where to write the site (default: site)",
    )
    build.add_argument(
        "--drafts",
        action="store_true",
        help="include records marked `draft: true`",
    )
    build.add_argument(
        "--base-url",
        type=parse_base_url,
        metavar="URL",
        help="the address the site is published at, instead of site.yaml's base_url "
        "(e.g. the one GitHub Pages reports, or http://localhost:8000/ for a local copy)",
    )
    _cache_options(build, "render every Markdown body and check every file afresh")
    _history_option(build)
    build.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="report on stderr how far the build has got (rendering bodies 1200/4000). "
        "Default: only when stderr is a terminal, so CI logs stay quiet; --progress "
        "prints a few lines in a log too, --no-progress never",
    )

    check = commands.add_parser(
        "check",
        help="check the content and list every problem; writes no site (only the cache)",
        description="Check every file under --content and list every problem at once as "
        "path:line: field: message. Warnings (such as a status that the dates have "
        "overtaken) do not fail the check unless --strict is given. Nothing is written "
        "but the cache of checked files (see --no-cache).",
    )
    _common(check)
    check.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="text: path:line: field: message (default); github: GitHub Actions "
        "annotations that show on the offending line of a pull request",
    )
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _cache_options(check, "check every file afresh")
    _add_serve_and_new(commands)
    return parser


SERVE_EPILOG = """\
examples:
  python build.py serve                       preview content/ at http://127.0.0.1:8000/
  python build.py serve --port 8080           on another port (0 picks a free one)
  python build.py serve --host 0.0.0.0        reachable from other machines too
  python build.py serve --today 2025-01-01    show statuses as they will be on that day

Open the address it prints. Every page reloads by itself when a file under --content,
templates/ or assets/ is saved. When a save leaves a problem, the page lists every
problem (path:line: field: message) over the last good build until the next good save.
A saved record's own page comes first (at once for an edit of its text alone); the rest
of the site follows. Saves on a network share or a folder shared into a container may
go unnoticed: then start it with --poll.
"""

NEW_EPILOG = """\
examples:
  python build.py new agreement dict-japan-cybersecurity-mou-2024
  python build.py new partner japan --title "Japan"
  python build.py new event dict-japan-visit-2024-05 --title "DICT delegation visits Tokyo"
  python build.py new page methodology --title "How the register is kept"

The file has every required field, explained, with values that pass the check and
are marked TODO: replace them with what the sources say. Agreements, events and pages
start as drafts (`draft: true`): shown by `serve`, never published until the line is
removed. A slug is lowercase letters, digits and single hyphens. See docs/editing.md.
"""


def _add_serve_and_new(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="preview the site with drafts; pages reload on every save",
        description="Build the site with drafts into --out (not site/), serve it on this "
        "machine and rebuild on every save of content, templates or assets; open pages "
        "reload by themselves. Opens no browser. Stop with Ctrl+C.",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(serve)
    _history_option(serve)
    serve.add_argument(
        "--port", type=int, default=8000, metavar="N", help="the port (default: 8000)"
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help="the address to listen on (default: 127.0.0.1, this machine only; "
        "0.0.0.0 for every interface)",
    )
    serve.add_argument(
        "--poll",
        action="store_true",
        help="look for saved files every 0.3 s instead of being told of them by the system: "
        "for a network share or a folder shared into a container or virtual machine, where "
        "saves otherwise go unnoticed",
    )
    serve.add_argument(
        "--out",
        type=Path,
        default=Path(".cache/preview"),
        metavar="DIR",
        help="where the preview is built (default: .cache/preview)",
    )
    new = commands.add_parser(
        "new",
        help="start a new agreement, partner, event or page from a commented template",
        description="Write content/<section>/SLUG.md with every required field, explained "
        "and filled with placeholders marked TODO, and print its path. Refuses a slug "
        "that exists or is not valid.",
        epilog=NEW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("kind", choices=("agreement", "partner", "event", "page"))
    new.add_argument("slug", help="the file name without .md, which is also the address")
    new.add_argument("--title", help="the title (a partner's name); default: a TODO")
    _common(new)


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
    if status == 0 and result.report is not None and result.site is not None:
        r = result.report
        print(
            f"Built {len(result.site.agreements)} agreements into {args.out}/: "
            f"{r.written} files written, {r.unchanged} unchanged, {r.removed} removed "
            f"in {time.perf_counter() - started:.2f} s (build day {today.isoformat()})."
        )
    return status
