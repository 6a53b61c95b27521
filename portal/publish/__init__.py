"""Output files -> the site folder: the last stage and the only one that writes the site.

In: `OutputFile`s as they are made. Out: site/, swapped in atomically from a staging
folder; files whose bytes did not change are not rewritten."""
