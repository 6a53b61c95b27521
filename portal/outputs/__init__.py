"""`Site` -> every file that is not an HTML page of pages/: the Atom feeds, the calendar,
the open data (JSON, CSV, schema), the sitemap and robots.txt, the search index.

In: the `RenderContext` of pages/. Out: `OutputFile`s."""
