"""Time the site's Markdown rendering (portal.markdown.markup.to_html) on hostile bodies.

    python3 benchmarks/hostile_bodies.py

Each body is rendered five times; the best time is printed, with its size. These are
the inputs that made Python-Markdown run away (and the reason bodies once rendered in
worker processes under a time limit); with cmark-gfm each renders in milliseconds.
`to_html` is what a page shows (parse, the site's rules on the tree, nh3), `read` what
the check does (parse, links and leftovers), and the last column cmark-gfm alone
(cmarkgfm's own function, GitHub's tag filter): the floor. The treaty texts are
generated: articles of French treaty prose with `<<...>>` quotations, and the same with
links, tables, lists and raw tags on nearly every line (the worst case for the walk over
the tree, which looks at the inline content only of lines with a `[` or a `<`).

Measured on the project's 2-core machine (shared, so within some 30%), cmarkgfm
2025.10.22 (cmark-gfm 0.29.0.gfm.13), best of 5:

    body                                        bytes   to_html      read  cmark-gfm alone
    50 kB of [                                 50,000    9.4 ms   13.9 ms     9.6 ms
    20,000 [ then 20,000 ]                     40,000    6.6 ms   10.8 ms    13.1 ms
    list nested 500 deep                      251,500    9.9 ms    5.4 ms     3.3 ms
    list nested 500 deep, one line              1,001    0.6 ms    0.2 ms     0.1 ms
    quotes nested 500 deep                        502    1.9 ms    0.4 ms     0.1 ms
    10,000 *a                                  20,000   15.0 ms    4.5 ms     7.0 ms
    10,000 <a                                  30,000   14.1 ms    4.0 ms     3.9 ms
    4 MiB treaty text, prose                4,194,777   1088 ms    694 ms     106 ms
    4 MiB treaty text, markup on every line 4,194,350   2785 ms   1366 ms     265 ms

A body of the benchmark's corpus (benchmarks/generate.py, 4 kB on average, 1,000
agreements): to_html 0.49 ms (of which nh3 0.28 ms), read 0.30 ms, cmark-gfm alone
0.20 ms.

Python-Markdown took minutes on the first two and failed on the nesting. Every time
grows linearly with the text, and a content file is at most 4 MiB: no body needs a time
limit or a worker process. The 4 MiB texts cost what the walk over cmark-gfm's tree
costs in Python (a few calls into C per node), about 10 times cmark-gfm alone.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cmarkgfm

from portal.markdown.markup import read, to_html

TREATY_PART = """\
## Article {n}

1. Les mots <<trois cents francs>> sont remplaces par les mots <<mille francs>>.
2. Les mots <<a Mannheim>> sont supprimes; voir [l'article precedent](#article-{p}) et
   [le texte](../static/texts/convention-{n}.pdf).

| Disposition | Ancien texte | Nouveau texte |
|:--|:-:|--:|
| art. {n} | ~~trois cents~~ | **mille** |

> La Commission centrale *peut* decider, a la majorite, que les dispositions du present
> article s'appliquent aussi aux <bateaux> de la navigation du Rhin (voir www.ccr-zkr.org).

- [x] ratifie par la France
- [ ] ratifie par la Suisse
  - en cours depuis le {n} juin

"""


PROSE_PART = """\
## Article {n}

Les Etats contractants, desireux de faciliter la navigation sur le Rhin et de renforcer
la cooperation entre leurs administrations, sont convenus de ce qui suit. Les mots
<<trois cents francs>> sont remplaces par les mots <<mille francs>>. Les autorites
competentes se communiquent les renseignements necessaires a l'application du present
article, dans les conditions fixees par la Commission centrale, qui en rend compte
chaque annee aux Etats contractants.

"""


def treaty(size: int, part_text: str = TREATY_PART) -> str:
    parts: list[str] = []
    total, n = 0, 1
    while total < size:
        part = part_text.format(n=n, p=max(1, n - 1))
        parts.append(part)
        total += len(part.encode("utf-8"))
        n += 1
    return "".join(parts)


BODIES = {
    "50 kB of [": "[" * 50_000,
    "20,000 [ then 20,000 ]": "[" * 20_000 + "]" * 20_000,
    "list nested 500 deep": "".join("  " * i + "- x\n" for i in range(500)),
    "list nested 500 deep, one line": "- " * 500 + "x",
    "quotes nested 500 deep": ">" * 500 + " x",
    "10,000 *a": "*a" * 10_000,
    "10,000 <a": "<a " * 10_000,
    "4 MiB treaty text, prose": treaty(4 * 1024 * 1024, PROSE_PART),
    "4 MiB treaty text, markup on every line": treaty(4 * 1024 * 1024),
}


def best(function: object, source: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function(source)  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    print(f"{'body':42} {'bytes':>10} {'to_html':>10} {'read':>10} {'cmark-gfm alone':>16}")
    for name, source in BODIES.items():
        size = len(source.encode("utf-8"))
        render = best(to_html, source)
        check = best(read, source)
        alone = best(cmarkgfm.github_flavored_markdown_to_html, source)
        print(
            f"{name:42} {size:>10,} {render * 1000:>7.1f} ms {check * 1000:>7.1f} ms "
            f"{alone * 1000:>13.1f} ms"
        )


if __name__ == "__main__":
    main()
