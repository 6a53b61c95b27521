"""The data every stage passes on: frozen dataclasses and enums only, no I/O, no Jinja.

`values` (vocabularies, dates, terms, problems) -> `records` (configuration, agreements,
partners, events, pages, revisions) -> `site` (the `Site`); `output` is a file of the
site as the render stages hand it to the write stage.
"""
