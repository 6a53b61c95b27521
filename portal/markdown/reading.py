"""What the check reads from a body (`markup.read`): the links the renderer made, with
their lines, and the syntax only the former renderer (Python-Markdown) knew."""

from __future__ import annotations

from dataclasses import dataclass

LEGACY_MESSAGE = (
    "`{found}` is syntax of the former renderer (Python-Markdown) and shows as text now; remove it"
)


@dataclass(frozen=True)
class Link:
    """A link the renderer made: its line (1 = the body's first), its destination as
    written, and how to quote it to the editor (`[text](destination)`, or the raw tag)."""

    line: int
    href: str
    shown: str


@dataclass(frozen=True)
class Legacy:
    """Python-Markdown syntax that is text now: its line and what was written."""

    line: int
    text: str

    @property
    def message(self) -> str:
        return LEGACY_MESSAGE.format(found=self.text)


@dataclass(frozen=True)
class Reading:
    """What the check learns from a body: its links and its Python-Markdown leftovers."""

    links: tuple[Link, ...] = ()
    legacy: tuple[Legacy, ...] = ()
