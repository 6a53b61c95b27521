"""Markdown -> safe HTML, as GitHub renders it.

In: a record's Markdown body. Out: sanitised HTML, and the links the body holds (read from
cmark-gfm's tree, `gfm`). Pure; used by content/ (a body's links) and pages/ (bodies)."""
