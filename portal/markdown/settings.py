"""The renderer's settings: the allow-list of tags, attributes, values and classes a
body's HTML may hold, the URL schemes, the prefix of heading ids, the rel of links.
A change here changes the body cache's fingerprint (portal.cache.fingerprints)."""

from __future__ import annotations

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "abbr": {"title"},
    "ol": {"start"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
}
# Attributes allowed only with these values. A task list item's checkbox (always
# disabled: it shows, it does not ask); the column alignment that cmark-gfm writes on
# table cells, turned into ALIGN_CLASSES once sanitised.
ALIGNMENTS = {"left", "center", "right"}
TASK_LABELS = {"checked": "done", "unchecked": "not done"}  # a checkbox's name, for readers
ALLOWED_VALUES = {
    "input": {
        "type": {"checkbox"},
        "checked": {""},
        "disabled": {""},
        "aria-label": set(TASK_LABELS.values()),
    },
    "th": {"align": ALIGNMENTS},
    "td": {"align": ALIGNMENTS},
}
FORCED_ATTRIBUTES = {"input": {"disabled": ""}}
ALIGN_CLASSES = {f"align-{a}" for a in ALIGNMENTS}
ALLOWED_CLASSES = {"th": ALIGN_CLASSES, "td": ALIGN_CLASSES}
URL_SCHEMES = {"http", "https", "mailto"}
ID_PREFIX = "sec-"
LINK_REL = "noopener noreferrer"
