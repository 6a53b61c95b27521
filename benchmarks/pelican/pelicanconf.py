"""Pelican's build of the benchmark register (benchmarks/run.py fills content/ and partners.json).

The four page types of the comparison: a page per agreement (and event), a page per partner
(a tag page, with the partner's name and summary), a timeline (the archives page) and an
index. Feeds and the other listings are off. Markdown with our extensions.
"""

import json
from pathlib import Path

AUTHOR = "benchmark"
SITENAME = "Benchmark register"
SITEURL = ""
PATH = "content"
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = False
LOAD_CONTENT_CACHE = False
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.tables": {},
        "markdown.extensions.toc": {},
        "markdown.extensions.sane_lists": {},
        "markdown.extensions.attr_list": {},
        "markdown.extensions.fenced_code": {},
    },
    "output_format": "html5",
}
ARTICLE_URL = "{category}/{slug}/"
ARTICLE_SAVE_AS = "{category}/{slug}/index.html"
TAG_URL = "partners/{slug}/"
TAG_SAVE_AS = "partners/{slug}/index.html"
ARCHIVES_SAVE_AS = "timeline/index.html"
INDEX_SAVE_AS = "index.html"
for _name in ("CATEGORY", "CATEGORIES", "TAGS", "AUTHOR", "AUTHORS", "PAGE", "DRAFT"):
    globals()[f"{_name}_SAVE_AS"] = ""
DIRECT_TEMPLATES = ["index", "archives"]
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
PARTNERS = json.loads((Path(__file__).parent / "partners.json").read_text(encoding="utf-8"))
