"""Pure, expensive steps kept on disk between builds (one SQLite file, `.cache/`).

In: keys that hash every input of a step (a body's source and the renderer's code, a page's
values, a file's text and the check's code). Out: the stored result, or nothing, never a
wrong one. Only an accelerator: deleted, the next build writes the same bytes."""
