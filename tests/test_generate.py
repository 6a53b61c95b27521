"""The benchmark corpus generator: deterministic, and its output passes `check`."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from pathlib import Path

from benchmarks.generate import VOCABULARY_SIZE, generate, record_names, vocabulary
from portal.pipeline import check_site


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", 40, seed=7, last_year=2026)
    generate(tmp_path / "b", 40, seed=7, last_year=2026)
    generate(tmp_path / "c", 40, seed=8, last_year=2026)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_corpus_passes_check_and_is_realistic(tmp_path: Path) -> None:
    content = tmp_path / "content"
    generate(content, 60, seed=3, last_year=2026)
    result = check_site(content, dt.date(2025, 6, 1))
    assert result.errors == ()
    assert result.site is not None
    assert len(result.site.agreements) == 60
    assert result.site.partners and result.site.events
    text = "".join(a.title for a in result.site.agreements)
    text += "".join(p.name for p in result.site.partners)
    for script in ("é", "ц", "ة", "国"):  # Latin with diacritics, Cyrillic, Arabic, CJK
        assert script in text
    for agreement in result.site.agreements:
        words = len(agreement.body.split())
        assert 300 <= words <= 900, (agreement.slug, words)
        assert "## " in agreement.body and "| --- |" not in agreement.body
        assert "|---|" in agreement.body and "](https://" in agreement.body
    years = [a.signed.year for a in result.site.agreements if a.signed]
    assert min(years) >= 1868 and max(years) <= 2026


def test_vocabulary_is_zipf_like_with_names_of_each_record(tmp_path: Path) -> None:
    """Tens of thousands of distinct words, a few of them most of the text, some in other
    scripts; each record's own names found in that record alone."""
    words = vocabulary(1)
    assert len(words) == len(set(words)) == VOCABULARY_SIZE
    assert words[:3] == ["the", "of", "and"]
    assert sum(1 for w in words if not w.isascii()) > VOCABULARY_SIZE // 20
    content = tmp_path / "content"
    generate(content, 60, seed=1, last_year=2026)
    counts: Counter[str] = Counter()
    for path in content.rglob("*.md"):
        counts.update(re.findall(r"\w+", path.read_text("utf-8").lower()))
    total = sum(counts.values())
    assert len(counts) > 10_000
    assert sum(n for _, n in counts.most_common(100)) > 0.3 * total
    names = record_names(1, "agreement-00007")
    for name in names:
        holders = [p.name for p in content.rglob("*.md") if name in p.read_text("utf-8")]
        assert holders == ["agreement-00007.md"], (name, holders)
