"""Files -> `Site`: the first stage.

In: the content folder (site.yaml, agreements/, partners/, events/, pages/, static/).
Out: a `model.Site` of frozen records, or every `model.Problem` found at once. `load` is
the only module here that reads the disk; front matter, strict YAML, field parsers,
per-file validation, links and cross-file assembly are pure."""
