"""`Site` -> HTML pages.

In: the `Site` and its bodies rendered by markdown/. Out: `OutputFile`s, one per page:
views (what each page shows), the URL layout, the Jinja environment and the render
context shared with outputs/, and the stage that lists every page."""
