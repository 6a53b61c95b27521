"""Helpers shared by the test modules: a local static server, a headless
Chromium page (Debian's /usr/bin/chromium driven by Playwright), axe-core
accessibility checks and the Nu Html Checker.

Import the submodules directly, e.g. ``from tests.support.serve import serve_dir``.
"""
