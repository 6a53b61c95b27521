"""Write a synthetic, valid register of N agreements (with partners and events) for benchmarks.

Deterministic: the same --count, --seed and --last-year always give the same bytes.

    python3 benchmarks/generate.py --count 4000 --out /tmp/corpus-4000
    python3 build.py check --content /tmp/corpus-4000

Bodies are 300-900 words of Markdown with headings, lists, a table and links; titles and
partner names mix scripts (Latin with diacritics, Cyrillic, Arabic, CJK); dates run from
1868 to --last-year (default: next year). The words are drawn with Zipf weights from a
vocabulary of 50,000 (real treaty words first, then made-up ones, 5 % in other scripts),
and every record names three people or places of its own, so that a register has tens of
thousands of distinct words, as real ones do (VOCABULARY_SIZE, record_names). Runs of 500
or more agreements include treaty texts of 100-700 kB (one per 500 agreements).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import shutil
from pathlib import Path

FIRST_YEAR = 1868
LONG_BODY_EVERY = 500  # one treaty-length body per this many agreements
LONG_BODY_MIN, LONG_BODY_MAX = 100_000, 700_000  # bytes

KINDS = [
    "memorandum-of-understanding",
    "agreement",
    "treaty",
    "joint-statement",
    "letter-of-intent",
    "exchange-of-notes",
    "action-plan",
    "arrangement",
]
EVENT_KINDS = ["meeting", "visit", "conference", "signing", "announcement", "statement"]
PARTNER_TYPES = [
    "government",
    "government-agency",
    "state-owned-enterprise",
    "company",
    "international-organisation",
    "academic",
    "civil-society",
]
NEEDS_COUNTRY = {"government", "government-agency", "state-owned-enterprise"}
COUNTRIES = [
    "US", "EE", "SG", "AU", "MY", "RU", "JP", "KR", "CN", "FR", "DE", "ES", "PT", "BR",
    "MX", "AR", "EG", "SA", "AE", "MA", "VN", "TH", "ID", "IN", "TR", "PL", "CZ", "IS",
    "NO", "FI", "SE", "UA", "KZ", "GB", "CA", "NZ",
]  # fmt: skip

# Names in several scripts: (name, country) pairs to build partner names from.
NAMES = [
    ("Ministère de l'Économie numérique", "FR"),
    ("Agência Nacional de Segurança Cibernética", "PT"),
    ("Bundesamt für Sicherheit in der Informationstechnik", "DE"),
    ("Dirección Nacional de Ciberseguridad", "MX"),
    ("Riigi Infosüsteemi Amet", "EE"),
    ("Úřad pro kybernetickou a informační bezpečnost", "CZ"),
    ("Þjóðskrá Íslands", "IS"),
    ("Министерство цифрового развития", "RU"),
    ("Государственная служба специальной связи", "UA"),
    ("Цифровое агентство Казахстана", "KZ"),
    ("الهيئة الوطنية للأمن السيبراني", "SA"),
    ("وزارة الاتصالات وتكنولوجيا المعلومات", "EG"),
    ("مجلس الأمن السيبراني", "AE"),
    ("国家互联网信息办公室", "CN"),
    ("内閣サイバーセキュリティセンター", "JP"),
    ("한국인터넷진흥원", "KR"),
    ("Cyber Security Agency of Singapore", "SG"),
    ("Australian Signals Directorate", "AU"),
    ("CyberSecurity Malaysia", "MY"),
    ("Cục An toàn thông tin", "VN"),
    ("Siber Güvenlik Başkanlığı", "TR"),
    ("Naukowa i Akademicka Sieć Komputerowa", "PL"),
]
TOPICS = [
    "cybersecurity", "incident response", "information sharing", "capacity building",
    "digital government", "critical infrastructure", "cybercrime", "data protection",
    "research and development", "public awareness", "cyber defence", "e-governance",
]  # fmt: skip
TITLE_EXTRAS = [
    "о сотрудничестве в области информационной безопасности",
    "بشأن التعاون في مجال الأمن السيبراني",
    "关于网络安全合作的谅解备忘录",
    "サイバーセキュリティ協力に関する覚書",
    "relatif à la coopération numérique",
    "sobre cooperação em segurança digital",
    "über die Zusammenarbeit im Bereich Cybersicherheit",
]


def _split(text: str) -> list[str]:
    return text.split()


# The text of bodies and summaries: words drawn with Zipf weights (the r-th most frequent
# word about 1/r as often as the first) from a vocabulary of VOCABULARY_SIZE words, as real
# treaty text is: a few hundred words make half of it, and tens of thousands appear at all.
# The most frequent ranks are real words of treaties (CORE_WORDS, in about their order);
# the rest are made of syllables, deterministically from the seed, with some in other
# scripts (Cyrillic, Greek, Arabic, CJK, Hangul) and some with diacritics. Besides, every
# record names a few people and places of its own (`record_names`), which occur nowhere
# else: the distinctive words that a reader searches for.
VOCABULARY_SIZE = 50_000
ZIPF_S = 1.0
ZIPF_Q = 2.7  # Zipf-Mandelbrot offset: flattens the head a little, as in real text
CORE_WORDS = _split("""
the of and to in shall be or for this parties party by with any as on agreement which
other such that its their article under from at information cooperation accordance
not may provisions present all each its between state national law competent authority
authorities contracting government security memorandum purpose paragraph made date
implementation measures within exchange have these force into request without prior
written consent use cyber matters mutual interest training personnel joint exercises
development standards point contact responsible coordination limits available resources
subject applicable rules confidentiality working group meets least once year reports
ministers progress achieved priorities following period respective relevant technical
activities assistance including procedures referred protection data incident response
capacity building research programmes experts visits organisation notification
diplomatic channels amendment termination settlement dispute consultation negotiation
entry signed done duplicate languages texts equally authentic english republic
department ministry agency territory obligations rights international conventions
treaties relations arrangement arrangements annex annexes hereinafter called
""")
SYLLABLE_ONSETS = _split(
    "b c d f g h j k l m n p r s t v w z br cr dr fr gr pr tr st sp pl cl bl ch sh th"
)
SYLLABLE_VOWELS = _split("a e i o u a e i o ai ea io ou ie")
SYLLABLE_CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "nt", "rs", "st", "ct"]
SUFFIXES = ["", "", "", "", "tion", "ment", "ity", "al", "ive", "ance", "ence", "ing", "ed",
            "ous", "ary", "ism", "ure", "ial", "ness", "ship"]  # fmt: skip
DIACRITICS = str.maketrans("aeiouc", "áéíöüç")
# Letters of other scripts, for words that are not in Latin letters.
SCRIPTS = {
    "cyrillic": "абвгдежзиклмнопрстуфхцчшщыэюя",
    "greek": "αβγδεζηθικλμνξοπρστυφχψω",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
}
CJK_FIRST, CJK_LAST = 0x4E00, 0x9FA5  # common Han characters
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
OTHER_SCRIPT_SHARE = 0.05  # of the made-up words
DIACRITIC_SHARE = 0.05


def _made_word(rng: random.Random) -> str:
    """A word of Latin letters made of syllables, sometimes with diacritics."""
    parts = []
    for _ in range(rng.choice((1, 2, 2, 2, 3, 3, 4))):
        parts.append(rng.choice(SYLLABLE_ONSETS) + rng.choice(SYLLABLE_VOWELS))
    parts.append(rng.choice(SYLLABLE_CODAS) + rng.choice(SUFFIXES))
    word = "".join(parts)
    if rng.random() < DIACRITIC_SHARE:
        word = word.translate(DIACRITICS)
    return word


def _foreign_word(rng: random.Random) -> str:
    """A word of another script: Cyrillic, Greek, Arabic, CJK or Hangul."""
    kind = rng.choice(("cyrillic", "cyrillic", "greek", "arabic", "arabic", "cjk", "hangul"))
    if kind == "cjk":
        return "".join(chr(rng.randint(CJK_FIRST, CJK_LAST)) for _ in range(rng.randint(2, 4)))
    if kind == "hangul":
        return "".join(
            chr(rng.randint(HANGUL_FIRST, HANGUL_LAST)) for _ in range(rng.randint(2, 3))
        )
    return "".join(rng.choice(SCRIPTS[kind]) for _ in range(rng.randint(4, 10)))


def vocabulary(seed: int, size: int = VOCABULARY_SIZE) -> list[str]:
    """`size` distinct words, most frequent first: CORE_WORDS, then made-up words."""
    rng = random.Random(f"vocabulary-{seed}")
    words = list(dict.fromkeys(CORE_WORDS))
    seen = set(words)
    while len(words) < size:
        word = _foreign_word(rng) if rng.random() < OTHER_SCRIPT_SHARE else _made_word(rng)
        if word not in seen and len(word) >= 2:
            seen.add(word)
            words.append(word)
    return words


NAME_ENDINGS = _split("ovska ardo eski ington berg ville anu ssen ides aglu ouri escu wati")
NAMES_PER_RECORD = 3


def record_names(seed: int, slug: str) -> list[str]:
    """The people and places that one record names and no other (by design; a made-up
    name may rarely repeat): capitalised made-up words, a few in other scripts.
    Deterministic from the seed and the slug alone, so a benchmark can search for them."""
    rng = random.Random(f"names-{seed}-{slug}")
    names = []
    for _ in range(NAMES_PER_RECORD):
        if rng.random() < OTHER_SCRIPT_SHARE * 2:
            names.append(_foreign_word(rng))
        else:
            stem = "".join(
                rng.choice(SYLLABLE_ONSETS) + rng.choice(SYLLABLE_VOWELS)
                for _ in range(rng.randint(1, 3))
            )
            names.append((stem + rng.choice(NAME_ENDINGS)).capitalize())
    return names


def zipf_cum_weights(size: int) -> list[float]:
    """Cumulative Zipf-Mandelbrot weights of ranks 1..size, for random.choices."""
    return list(
        itertools.accumulate(1.0 / (rank + ZIPF_Q) ** ZIPF_S for rank in range(1, size + 1))
    )


_STATUS_WORDS = "proposed negotiating signed in-force in-force in-force expired terminated"
STATUSES = [*_STATUS_WORDS.split(), "superseded"]
PUBLISHERS = ["Official Gazette", "Агентство новостей", "وكالة الأنباء", "新华社"]
AGENCIES = ["dict", "dnd", "afp", "dfa", "nsc"]
AREAS = [
    "cybersecurity", "incident-response", "information-sharing", "research-and-development",
    "capacity-building", "awareness", "cybercrime-investigation", "e-governance", "defence",
]  # fmt: skip

SITE_YAML = """\
title: Benchmark Register of International Cooperation
description: A synthetic register used to measure build times; every record is invented.
base_url: https://example.org/register/
language: en
home:
  name: Republic of the Philippines
  country: PH
agencies:
  dict:
    name: Department of Information and Communications Technology
    acronym: DICT
    url: https://dict.gov.ph/
  dnd:
    name: Department of National Defense
    acronym: DND
  afp:
    name: Armed Forces of the Philippines
    acronym: AFP
  dfa:
    name: Department of Foreign Affairs
    acronym: DFA
  nsc:
    name: National Security Council
    acronym: NSC
areas:
"""


def q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


class Corpus:
    def __init__(self, count: int, seed: int, last_year: int) -> None:
        self.count = count
        self.rng = random.Random(seed)
        self.last_year = last_year
        self.seed = seed
        self.partner_count = max(5, count // 8)
        self.event_count = max(3, count // 2)
        self.vocabulary = vocabulary(seed)
        self.cum_weights = zipf_cum_weights(len(self.vocabulary))

    # --- values ---------------------------------------------------------------

    def words(self, n: int) -> str:
        return " ".join(self.rng.choices(self.vocabulary, cum_weights=self.cum_weights, k=n))

    def sentence(self, n: int = 14) -> str:
        text = self.words(n)
        return text[0].upper() + text[1:] + "."

    def date(self, low: int = FIRST_YEAR, high: int | None = None) -> tuple[str, dt.date]:
        """A date string (day, month or year precision) and the first day it stands for."""
        rng = self.rng
        year = rng.randint(low, high or self.last_year)
        month = rng.randint(1, 12)
        day = rng.randint(1, 28)
        precision = rng.random()
        if precision < 0.1:
            return f"{year:04d}", dt.date(year, 1, 1)
        if precision < 0.25:
            return f"{year:04d}-{month:02d}", dt.date(year, month, 1)
        return f"{year:04d}-{month:02d}-{day:02d}", dt.date(year, month, day)

    # --- records --------------------------------------------------------------

    def partner_slug(self, i: int) -> str:
        return f"partner-{i:05d}"

    def agreement_slug(self, i: int) -> str:
        return f"agreement-{i:05d}"

    def partner(self, i: int) -> str:
        rng = self.rng
        base, country = NAMES[i % len(NAMES)]
        ptype = PARTNER_TYPES[i % len(PARTNER_TYPES)]
        lines = [
            "---",
            f"name: {q(f'{base} ({i})')}",
            f"type: {ptype}",
        ]
        if ptype in NEEDS_COUNTRY or rng.random() < 0.5:
            lines.append(f"country: {q(country if rng.random() < 0.7 else rng.choice(COUNTRIES))}")
        if i > 0 and rng.random() < 0.2:
            lines.append(f"parent: {self.partner_slug(rng.randrange(i))}")
        if rng.random() < 0.6:
            lines.append(f"website: https://partner-{i}.example.org/")
        if rng.random() < 0.4:
            lines += ["aliases:", f"  - {q(f'Partner {i}')}"]
        lines.append(f"summary: {q(self.sentence(30))}")
        lines.append("---")
        body = "\n\n".join(self.sentence(20) for _ in range(rng.randint(1, 4)))
        return "\n".join(lines) + "\n\n" + body + "\n"

    def body(self, i: int, words: int) -> str:
        """Markdown of about `words` words: headings, paragraphs, lists, a table, links."""
        rng = self.rng
        parts: list[str] = []
        written = 0
        section = 0
        while written < words:
            section += 1
            parts.append(f"## {section}. {rng.choice(TOPICS).capitalize()}")
            paragraph = [self.sentence(rng.randint(10, 22)) for _ in range(rng.randint(2, 5))]
            if section == 1:
                paragraph.append(self.signatories(self.agreement_slug(i)))
            if section == 1 or rng.random() < 0.5:
                target = rng.randrange(self.count)
                paragraph.append(
                    "See also [the related instrument]"
                    f"(../agreements/{self.agreement_slug(target)}.md) and "
                    f"[the official notice](https://gazette.example.org/{i}/{section})."
                )
            text = " ".join(paragraph)
            parts.append(text)
            written += len(text.split())
            if section % 2 == 1:
                items = [f"- **Article {section}.{k}**: {self.words(rng.randint(6, 14))};"
                         for k in range(1, rng.randint(3, 6))]  # fmt: skip
                parts.append("\n".join(items))
                written += sum(len(x.split()) for x in items)
            if section == 2:
                rows = ["| Year | Activity | Lead |", "|---|---|---|"]
                for _ in range(rng.randint(3, 6)):
                    year = rng.randint(FIRST_YEAR, self.last_year)
                    rows.append(f"| {year} | {self.words(4)} | {rng.choice(AGENCIES).upper()} |")
                parts.append("\n".join(rows))
                written += 6 * (len(rows) - 2)
            if section == 3:
                parts.append("### Implementation\n\n1. " + self.words(8) + "\n2. " + self.words(8))
                written += 17
        return "\n\n".join(parts) + "\n"

    def signatories(self, slug: str) -> str:
        """A sentence with the names that only this record has (see record_names)."""
        first, second, place = record_names(self.seed, slug)
        return f"Signed for the parties by {first} and {second} at {place}."

    def long_body(self, i: int) -> str:
        """A treaty text of LONG_BODY_MIN to LONG_BODY_MAX bytes: many articles."""
        target = self.rng.randint(LONG_BODY_MIN, LONG_BODY_MAX)
        parts: list[str] = [
            "## Preamble",
            self.sentence(60),
            self.signatories(self.agreement_slug(i)),
        ]
        size = 0
        article = 0
        while size < target:
            article += 1
            text = f"### Article {article}\n\n" + " ".join(self.sentence(25) for _ in range(4))
            if article % 5 == 0:
                text += "\n\n" + "\n".join(f"- {self.words(10)}" for _ in range(4))
            parts.append(text)
            size += len(text) + 2
        return "\n\n".join(parts) + "\n"

    def agreement(self, i: int) -> str:
        rng = self.rng
        name, _country = NAMES[i % len(NAMES)]
        kind = KINDS[i % len(KINDS)]
        topic = rng.choice(TOPICS)
        title = f"{kind.replace('-', ' ').capitalize()} on {topic} with {name} no. {i}"
        if rng.random() < 0.35:
            title += f" — {rng.choice(TITLE_EXTRAS)}"
        partners = sorted(
            {self.partner_slug(rng.randrange(self.partner_count)) for _ in range(rng.randint(1, 3))}
        )
        agencies = sorted(set(rng.sample(AGENCIES, rng.randint(1, 2))))
        areas = sorted(set(rng.sample(AREAS, rng.randint(1, 3))))
        status = rng.choice(STATUSES)
        if status == "superseded" and i == self.count - 1:
            status = "expired"
        # Later dates are counted from `signed`; keep them all within --last-year.
        signed, signed_day = self.date(high=self.last_year - 6)
        lines = [
            "---",
            f"title: {q(title)}",
            f"kind: {kind}",
            f"status: {status}",
        ]
        if status not in ("proposed", "negotiating"):
            lines.append(f"signed: {signed}")
            if rng.random() < 0.5:
                lines.append(f"effective: {signed_day.year + 1}")
            if status == "expired":
                lines.append(f"expires: {signed_day.year + rng.randint(2, 5)}")
            elif status == "terminated":
                lines.append(f"terminated: {signed_day.year + rng.randint(1, 4)}")
            elif status == "superseded":
                lines.append(
                    f"superseded_by: {self.agreement_slug(rng.randrange(i + 1, self.count))}"
                )
            else:
                years = rng.randint(1, 10)
                if signed_day.year + years > self.last_year:  # still running: no warning
                    lines.append(f"term: {years} years")
        if rng.random() < 0.5:
            lines.append(
                f"place: {q(rng.choice(['Manila', 'Genève', 'Москва', 'القاهرة', '東京']))}"
            )
        lines.append("partners:")
        lines += [f"  - {p}" for p in partners]
        lines.append("agencies:")
        lines += [f"  - {a}" for a in agencies]
        lines.append("areas:")
        lines += [f"  - {a}" for a in areas]
        if i > 0 and rng.random() < 0.3:
            related = sorted(
                {self.agreement_slug(rng.randrange(i)) for _ in range(rng.randint(1, 2))}
            )
            lines.append("related:")
            lines += [f"  - {r}" for r in related]
        lines.append(f"summary: {q(self.sentence(rng.randint(20, 45))[:400])}")
        lines += [
            "sources:",
            f"  - title: {q('Official announcement ' + str(i))}",
            f"    url: https://news.example.org/{i}",
            f"    publisher: {q(rng.choice(PUBLISHERS))}",
            f"    date: {signed}",
        ]
        if rng.random() < 0.2:
            lines += [
                "documents:",
                f"  - title: {q('Text of the instrument')}",
                f"    url: https://treaties.example.org/{i}.pdf",
                "    language: en",
            ]
        if rng.random() < 0.3:
            lines.append(f"updated: {self.date(2015)[0]}")
        lines.append("---")
        if self.count >= LONG_BODY_EVERY and i % LONG_BODY_EVERY == LONG_BODY_EVERY // 2:
            body = self.long_body(i)
        else:
            body = self.body(i, rng.randint(300, 680))  # sections overshoot: 300-900 words
        return "\n".join(lines) + "\n\n" + body

    def event(self, i: int) -> str:
        rng = self.rng
        date, _ = self.date()
        lines = [
            "---",
            f"title: {q(f'{rng.choice(EVENT_KINDS).capitalize()} on {rng.choice(TOPICS)} ({i})')}",
            f"date: {date}",
            f"kind: {rng.choice(EVENT_KINDS)}",
            f"summary: {q(self.sentence(24))}",
            "sources:",
            f"  - title: {q('Press release ' + str(i))}",
            f"    url: https://press.example.org/{i}",
            "partners:",
            f"  - {self.partner_slug(rng.randrange(self.partner_count))}",
            "agencies:",
            f"  - {rng.choice(AGENCIES)}",
            "agreements:",
            f"  - {self.agreement_slug(rng.randrange(self.count))}",
        ]
        if rng.random() < 0.5:
            lines.append(f"place: {q(rng.choice(['Davao City', 'Tallinn', 'Санкт-Петербург']))}")
        lines.append("---")
        paragraphs = [self.sentence(rng.randint(12, 30)) for _ in range(rng.randint(1, 4))]
        paragraphs[0] += " " + self.signatories(f"event-{i:05d}")
        return "\n".join(lines) + "\n\n" + "\n\n".join(paragraphs) + "\n"


def site_yaml() -> str:
    areas = "".join(
        f"  {slug}:\n    label: {q(slug.replace('-', ' ').capitalize())}\n" for slug in AREAS
    )
    return SITE_YAML + areas


def generate(out: Path, count: int, seed: int = 1, last_year: int | None = None) -> None:
    """Write site.yaml, agreements/, partners/ and events/ into `out` (replaced if present)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    corpus = Corpus(count, seed, last_year or dt.date.today().year + 1)
    if out.exists():
        shutil.rmtree(out)
    for folder in ("agreements", "partners", "events"):
        (out / folder).mkdir(parents=True)
    (out / "site.yaml").write_text(site_yaml(), encoding="utf-8")
    for i in range(corpus.partner_count):
        path = out / "partners" / f"{corpus.partner_slug(i)}.md"
        path.write_text(corpus.partner(i), encoding="utf-8")
    for i in range(count):
        path = out / "agreements" / f"{corpus.agreement_slug(i)}.md"
        path.write_text(corpus.agreement(i), encoding="utf-8")
    for i in range(corpus.event_count):
        path = out / "events" / f"event-{i:05d}.md"
        path.write_text(corpus.event(i), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="agreements (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--last-year", type=int, default=None, help="latest year of any date (default: next year)"
    )
    parser.add_argument("--out", type=Path, required=True, help="content folder to (re)write")
    args = parser.parse_args()
    generate(args.out, args.count, args.seed, args.last_year)
    print(f"wrote {args.count} agreements into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
