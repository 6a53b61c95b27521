"""The command line's parser: the commands, their options and help, and the values an
option is parsed into (the build day, the base URL). `portal.cli` runs what it parses."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from portal.content.config import base_url as check_base_url
from portal.content.fields import FieldError

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
        "--out exactly as it was. With the cache, a build whose inputs (content, templates, "
        "code, options, build day, commit) are all those of the last build into --out, and "
        "--out as it left it, has nothing to do and says so.",
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
