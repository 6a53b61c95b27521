"""`serve`: the preview server, on top of the pipeline; no build logic of its own.

In: saves in the content, templates and assets folders. Out: a rebuilt site served over
HTTP, the browser told to reload, problems shown over the last good build."""
