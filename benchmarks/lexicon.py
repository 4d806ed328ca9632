"""Throughput of the lexicon matcher against a regular-expression baseline.

    python benchmarks/lexicon.py [--quick] [--texts N] [--runs N] [--baseline-texts N]

Generates synthetic multilingual texts (English, Russian, Kyrgyz, Uzbek Latin and Cyrillic
words, marker words with suffixes, and the noise people type: oʻ written o' o‘ o`, Kyrgyz ө ү ң
typed as о у н, Latin homoglyphs in Cyrillic words), 300-1000 characters each, and 2,000 markers
(the bundled codebooks' markers plus synthetic stems in both scripts).

Ours: ``LexiconMatcher.find_many`` over the lexicon coder's batches of texts (one fold and one
Aho-Corasick pass per batch; the same matches as ``find`` text by text). Baseline: per variable, one
compiled ``re`` alternation of all its terms (longest first) after a "no letter before"
look-behind, with the rest of the word, case-insensitive, over NFC text; exclude phrases are a
second alternation per variable, pooled per (variable, code) as ours are. Before timing, both
run on a check sample of clean texts (canonical spellings only) and of noisy ones, and the
differences are counted and classified. Prints median seconds over the runs, characters per
second (CPU time of this process) and the ratio; the target is >= 5x the baseline and >= 1M
characters/s on one core. The baseline is timed on the first 5,000 texts (it is slow); rates,
not totals, are compared.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import intercoder
from intercoder.codebook.model import Marker
from intercoder.coders.lexicon import BATCH_TEXTS
from intercoder.lexicon import LexiconMatcher
from intercoder.text import APOSTROPHE_VARIANTS, fold

TARGET_RATIO = 5.0
TARGET_CHARS_PER_SECOND = 1_000_000
MARKERS = 2000
LANGS = ("en", "ru", "ky", "uz-Latn", "uz-Cyrl")


def split_words(text: str) -> list[str]:
    return text.split()


FILLER = {
    "en": split_words(
        "the people market city said today they were living here with government news "
        "report village police work school family many some never always children week "
        "between river country street should because about after before new old"
    ),
    "ru": split_words(
        "люди рынок город сказал сегодня они жили здесь правительство новости сообщение "
        "село полиция работа школа семья много иногда никогда всегда дети неделя между река "
        "страна улица должны потому после перед новый старый её объект поведение цирк"
    ),
    "ky": split_words(
        "адамдар базар шаар айтты бүгүн алар жашашкан бул жерде өкмөт жаңылыктар кабар "
        "айыл милиция иш мектеп үй-бүлө көп кээде эч качан дайыма балдар жума ортосунда дарыя "
        "өлкө көчө керек анткени кийин мурун жаңы эски үчүн менен"
    ),
    "uz-Latn": split_words(
        "odamlar bozor shahar aytdi bugun ular yashagan bu yerda hukumat yangiliklar "
        "xabar qishloq militsiya ish maktab oila koʻp baʼzan hech qachon doim bolalar hafta "
        "orasida daryo mamlakat koʻcha kerak chunki keyin oldin yangi eski uchun bilan "
        "Isʼhoq maʼno gʻalaba togʻ"
    ),
    "uz-Cyrl": split_words(
        "одамлар бозор шаҳар айтди бугун улар яшаган бу ерда ҳукумат янгиликлар хабар "
        "қишлоқ милиция иш мактаб оила кўп баъзан ҳеч қачон доим болалар ҳафта орасида дарё "
        "мамлакат кўча керак чунки кейин олдин янги эски учун билан Исҳоқ маъно ғалаба тоғ"
    ),
}
SUFFIXES = {
    "en": ["", "", "s", "'s"],
    "ru": ["", "ы", "ов", "ам", "ами", "ах", "ский", "ская"],
    "ky": ["", "тар", "тарга", "тардын", "дер", "дерге", "дердин", "ка", "ке", "дын"],
    "uz-Latn": ["", "lar", "larga", "larning", "ga", "ning", "dan", "lari"],
    "uz-Cyrl": ["", "лар", "ларга", "ларнинг", "га", "нинг", "дан", "лари"],
}
LATIN_SYLLABLES = [c + v for c in "bdfgklmnprstvxz" for v in "aeiou"]
CYRILLIC_SYLLABLES = [c + v for c in "бдгклмнпрстхзвж" for v in "аеиоуы"]
NOISE_LATIN_HOMOGLYPH = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x"}
KYRGYZ_PLAIN = str.maketrans("өүңӨҮҢ", "оунОУН")


def real_markers() -> list[Marker]:
    markers: list[Marker] = []
    for name in ("hate-speech", "stereotypes", "enemy-images"):
        markers.extend(intercoder.load_codebook(name).markers)
    return markers


def synthetic_markers(rng: random.Random, count: int, taken: Sequence[str] = ()) -> list[Marker]:
    """Markers with 1-3 random stems of 2-4 syllables, some with an exclude phrase.

    A stem is rejected when its folded key and an earlier key (a term, an exclude phrase, a
    filler word in ``taken``) are prefixes of one another: otherwise the Latin stem ``nede``
    would match the Russian filler word ``неделя`` in one key space, an accident of the
    generator rather than something to measure.
    """
    keys: set[str] = set()
    prefixes: set[str] = set()

    def claim(key: str) -> None:
        keys.add(key)
        prefixes.update(key[:i] for i in range(1, len(key) + 1))

    def free(key: str) -> bool:
        return key not in prefixes and not any(key[:i] in keys for i in range(1, len(key)))

    for word in taken:
        claim(fold(word).key)
    markers = []
    for index in range(count):
        lang = LANGS[index % len(LANGS)]
        syllables = CYRILLIC_SYLLABLES if lang in ("ru", "ky", "uz-Cyrl") else LATIN_SYLLABLES
        suffix = "стан" if syllables is CYRILLIC_SYLLABLES else "iston"
        terms: list[str] = []
        wanted = rng.randint(1, 3)
        while len(terms) < wanted:
            stem = "".join(rng.choices(syllables, k=rng.randint(2, 4)))
            if free(fold(stem).key):
                claim(fold(stem).key)
                terms.append(stem)
        exclude: tuple[str, ...] = ()
        if rng.random() < 0.1:
            exclude = (terms[0] + suffix,)
        markers.append(Marker(f"syn_{index % 12}", f"c{index % 150}", lang, tuple(terms), exclude))
    return markers


def marker_words(markers: Sequence[Marker]) -> dict[str, list[str]]:
    """Terms (single words) per language, to be written into texts with suffixes."""
    words: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for marker in markers:
        words[marker.lang].extend(term for term in marker.terms if " " not in term)
        words[marker.lang].extend(phrase for phrase in marker.exclude[:1])
    return words


def noisy(word: str, lang: str, rng: random.Random) -> str:
    """What people type: apostrophe variants, Kyrgyz letters typed plain, homoglyphs."""
    if lang == "uz-Latn" and "\u02bb" in word:
        return word.replace("\u02bb", rng.choice("'‘`’"))
    if lang == "ky" and rng.random() < 0.5:
        word = word.translate(KYRGYZ_PLAIN)
    if lang in ("ru", "ky", "uz-Cyrl") and rng.random() < 0.3:
        spots = [i for i, char in enumerate(word) if char in NOISE_LATIN_HOMOGLYPH]
        if spots:
            i = rng.choice(spots)
            word = word[:i] + NOISE_LATIN_HOMOGLYPH[word[i]] + word[i + 1 :]
    return word


def make_texts(
    count: int, markers: Sequence[Marker], rng: random.Random, noise: float
) -> list[str]:
    words = marker_words(markers)
    texts = []
    for _ in range(count):
        main = rng.choice(LANGS)
        target = rng.randint(300, 1000)
        parts: list[str] = []
        size = 0
        sentence_start = True
        while size < target:
            lang = main if rng.random() < 0.85 else rng.choice(LANGS)
            if rng.random() < 0.08 and words[lang]:
                word = rng.choice(words[lang]) + rng.choice(SUFFIXES[lang])
            else:
                word = rng.choice(FILLER[lang])
            if rng.random() < noise:
                word = noisy(word, lang, rng)
            if sentence_start:
                word = word[:1].upper() + word[1:]
            roll = rng.random()
            sep = ". " if roll < 0.07 else ", " if roll < 0.15 else " "
            sentence_start = sep == ". "
            parts.append(word + sep)
            size += len(word) + len(sep)
        texts.append("".join(parts).strip())
    return texts


class RegexBaseline:
    """Per variable: one alternation of terms and one of exclude phrases."""

    LETTER_BEFORE = r"(?<![^\W\d_])"

    def __init__(self, markers: Sequence[Marker]) -> None:
        terms: dict[str, dict[str, set[str]]] = {}
        excludes: dict[str, dict[str, set[str]]] = {}
        for marker in markers:
            for term in marker.terms:
                terms.setdefault(marker.variable, {}).setdefault(term.lower(), set()).add(
                    marker.code
                )
            for phrase in marker.exclude:
                excludes.setdefault(marker.variable, {}).setdefault(phrase.lower(), set()).add(
                    marker.code
                )
        self.variables = []
        for variable, by_term in terms.items():
            self.variables.append(
                (
                    variable,
                    self._compile(by_term),
                    by_term,
                    self._compile(excludes.get(variable, {})),
                    excludes.get(variable, {}),
                )
            )

    def _compile(self, by_term: dict[str, set[str]]) -> re.Pattern[str] | None:
        if not by_term:
            return None
        alternatives = "|".join(re.escape(t) for t in sorted(by_term, key=len, reverse=True))
        return re.compile(f"{self.LETTER_BEFORE}({alternatives})[^\\W\\d_]*", re.IGNORECASE)

    def find(self, text: str) -> list[tuple[str, str, int, int]]:
        text = unicodedata.normalize("NFC", text)
        found = []
        for variable, pattern, by_term, exclude_pattern, by_phrase in self.variables:
            assert pattern is not None
            hits = list(pattern.finditer(text))
            if not hits:
                continue
            cancelled: dict[str, list[tuple[int, int]]] = {}
            if exclude_pattern is not None:
                for x in exclude_pattern.finditer(text):
                    for code in by_phrase[x.group(1).lower()]:
                        cancelled.setdefault(code, []).append(x.span())
            for hit in hits:
                start, end = hit.span()
                for code in by_term[hit.group(1).lower()]:
                    spans = cancelled.get(code, ())
                    if not any(xs <= start and end <= xe for xs, xe in spans):
                        found.append((variable, code, start, end))
        return found


def ours(matcher: LexiconMatcher) -> Callable[[Sequence[str]], object]:
    """Every text's matches, found as the lexicon coder finds them: batch by batch."""

    def find_all(texts: Sequence[str]) -> object:
        return [
            matcher.find_many(texts[i : i + BATCH_TEXTS]) for i in range(0, len(texts), BATCH_TEXTS)
        ]

    return find_all


def one_by_one(find: Callable[[str], object]) -> Callable[[Sequence[str]], object]:
    def find_all(texts: Sequence[str]) -> object:
        return [find(text) for text in texts]

    return find_all


def classify(word: str, term: str) -> str:
    """Why ours found ``term`` in ``word`` and the raw-text baseline did not."""
    scripts = {unicodedata.name(c, "?").split()[0] for c in word if c.isalpha()}
    if {"LATIN", "CYRILLIC"} <= scripts:
        return "Latin homoglyph in a Cyrillic word"
    if any(c in APOSTROPHE_VARIANTS and c != "\u02bb" for c in word):
        return "oʻ/gʻ typed as o' o‘ o` o’"
    if any(c in "өүңӨҮҢ" for c in term) and not any(c in "өүңӨҮҢ" for c in word):
        return "Kyrgyz ө/ү/ң typed as о/у/н"
    term_cyrillic = any("\u0400" <= c <= "\u04ff" for c in term)
    if term_cyrillic != ("CYRILLIC" in scripts):
        return f"one key space: {term!r} found in {word!r}"
    return f"other: {term!r} found in {word!r}"


def compare(
    texts: Sequence[str], matcher: LexiconMatcher, baseline: RegexBaseline
) -> tuple[int, int, Counter[str]]:
    """(matches of ours, matches of the baseline, Counter of classified differences)."""
    reasons: Counter[str] = Counter()
    n_ours = n_base = 0
    for text in texts:
        mine = {(m.variable, m.code, m.start, m.end): m for m in matcher.find(text)}
        theirs = set(baseline.find(text))
        n_ours += len(mine)
        n_base += len(theirs)
        for key in mine.keys() - theirs:
            variable, code, start, end = key
            if any(t[:3] == key[:3] for t in theirs):
                end_ours = text[start:end]
                end_theirs = next(text[t[2] : t[3]] for t in theirs if t[:3] == key[:3])
                extra = end_ours[len(end_theirs) :]
                reasons[f"same start, ours extends the word by {extra!r}"] += 1
                continue
            reasons["ours only: " + classify(text[start:end], mine[key].term)] += 1
        for key in theirs - mine.keys():
            if any(k[:3] == key[:3] for k in mine):
                continue  # counted above
            variable, code, start, end = key
            word = fold(text[start:end]).key
            excluded = [
                phrase
                for marker in matcher.markers
                if (marker.variable, marker.code) == (variable, code)
                for phrase in marker.exclude
                if word.startswith(fold(phrase).key.split(" ")[0])
            ]
            if excluded:
                reasons[
                    "baseline only: ours cancels it, the exclude phrase is typed with a "
                    "homoglyph or о/у/н and only folding recognises it"
                ] += 1
            else:
                reasons[f"baseline only: other ({text[start:end]!r})"] += 1
    return n_ours, n_base, reasons


def median_seconds(
    find_all: Callable[[Sequence[str]], object], texts: Sequence[str], runs: int
) -> tuple[float, float]:
    """Median (CPU seconds, wall seconds) of ``runs`` passes over ``texts``.

    CPU time (``time.process_time``) is the figure compared: it is what one core spends, and it
    stays honest on a shared machine where wall time also counts other processes.
    """
    cpu, wall = [], []
    for _ in range(runs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        find_all(texts)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 texts, 3 runs")
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--baseline-texts",
        type=int,
        default=None,
        help="time the baseline on the first N texts only (it is slow; default 5,000, "
        "--quick 1,000); characters per second are compared, not totals",
    )
    parser.add_argument("--seed", type=int, default=20240611)
    args = parser.parse_args()
    if args.quick:
        args.texts = min(args.texts, 5_000)
    if args.baseline_texts is None:
        args.baseline_texts = 1_000 if args.quick else 5_000
    rng = random.Random(args.seed)

    real = real_markers()
    taken = [w for words in FILLER.values() for w in words]
    taken += [t for m in real for t in (*m.terms, *m.exclude)]
    markers = real + synthetic_markers(rng, MARKERS - len(real), taken)
    t0 = time.perf_counter()
    matcher = LexiconMatcher(markers)
    build = time.perf_counter() - t0
    baseline = RegexBaseline(markers)
    n_terms = sum(len(m.terms) for m in markers)
    print(
        f"{len(markers)} markers ({len(real)} bundled), {n_terms} terms, "
        f"{matcher.size} folded keys; automaton built in {build:.2f} s"
    )

    clean = make_texts(1000, markers, random.Random(args.seed + 1), noise=0.0)
    noisy_sample = make_texts(1000, markers, random.Random(args.seed + 2), noise=0.3)
    for label, sample in (("clean", clean), ("noisy", noisy_sample)):
        n_ours, n_base, reasons = compare(sample, matcher, baseline)
        differ = sum(reasons.values())
        print(
            f"check sample ({label}, {len(sample)} texts): ours {n_ours} matches, "
            f"baseline {n_base}, {differ} differ"
        )
        for reason, count in reasons.most_common():
            print(f"    {count:6d}  {reason}")

    t0 = time.perf_counter()
    texts = make_texts(args.texts, markers, rng, noise=0.2)
    chars = sum(map(len, texts))
    print(
        f"{len(texts)} texts, {chars / 1e6:.1f}M characters "
        f"(mean {chars / len(texts):.0f}), generated in {time.perf_counter() - t0:.1f} s"
    )
    base_texts = texts[: args.baseline_texts]
    base_chars = sum(map(len, base_texts))

    ours_s, ours_wall = median_seconds(ours(matcher), texts, args.runs)
    base_s, base_wall = median_seconds(one_by_one(baseline.find), base_texts, args.runs)
    ours_cps = chars / ours_s
    base_cps = base_chars / base_s
    ratio = ours_cps / base_cps
    print(f"median of {args.runs} runs, one core (CPU time; wall time in brackets)")
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    for name, cpu, wall, n, cps in (
        ("ours", ours_s, ours_wall, len(texts), ours_cps),
        ("baseline", base_s, base_wall, len(base_texts), base_cps),
    ):
        print(f"  {name:9} {cpu:8.2f} s ({wall:.2f} s)  {cps / 1e6:6.2f}M chars/s  ({n} texts)")
    print(
        f"  ratio {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x); "
        f"ours {ours_cps / 1e6:.2f}M chars/s (target >= {TARGET_CHARS_PER_SECOND / 1e6:.0f}M)"
    )
    ok = ratio >= TARGET_RATIO and ours_cps >= TARGET_CHARS_PER_SECOND
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
