"""Entry point: `python build.py --help` explains the commands."""

from portal.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
