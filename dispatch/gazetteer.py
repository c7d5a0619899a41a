"""Address gazetteer: load place rows and resolve what callers say to a district, street, community and grid.

Resolution order (first that yields a place wins):
1. exact dictionary scan — every place name, alias and unit name is a key; the text is scanned left to right
   for the longest key starting at each position (keys are bucketed by first character, so the cost is
   ``len(text) × few`` dict look-ups whatever the size of the gazetteer);
2. fuzzy match — a character-bigram inverted index scores places by the IDF-weighted share of their
   bigrams found in the text (typos, 简称 not listed as aliases, dropped 小区/花园 suffixes).
District names ("A3区", "A市A3区", "A3") and street/community names narrow homonyms (two 万达广场) and are
returned on their own when no place is named.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_GAZETTEER = DATA_DIR / "demo_gazetteer.csv"
DEMO_UNITS = DATA_DIR / "demo_units.csv"

# Scores by how the area was found; callers treat < 0.6 as "ask the caller again".
SCORE_PLACE = 1.0
SCORE_PLACE_NO_HINT_HOMONYM = 0.7
SCORE_COMMUNITY = 0.8
SCORE_STREET = 0.6
SCORE_DISTRICT = 0.4
FUZZY_MIN = 0.7  # share of a place's (IDF-weighted) bigrams that must appear in the text
FUZZY_WEIGHT = 0.85  # a fuzzy hit is never as sure as an exact one
FUZZY_MAX_CHARS = 80  # longer texts are whole messages: scattered bigrams would add false hits

# House numbers, floors and rooms: they never name a place and only add noise to fuzzy matching.
_HOUSE_NO = re.compile(
    r"[0-9一二三四五六七八九十百零〇两]+(?:号楼|栋|幢|座|单元|楼|层|室|号|户|期|区(?=[0-9一二三四五六七八九十]))"
    r"|(?<![A-Za-z])[0-9]+(?:-[0-9]+)*(?![0-9区县市])"
)
# Relative-position words ("near the …") carry no place identity.
_NEAR_WORDS = re.compile(r"附近|旁边|对面|周边|门口|门前|后面|前面|路口|一带|这边|那边|里面|楼下|楼上|隔壁|交叉口")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
# "A市A3区", "A3区", "A7县", "A9市" — anonymised district names, with or without the city prefix.
_DISTRICT = re.compile(r"(?:[A-Z]市)?([A-Z]\d{1,2})(?:区|县|市)")
_GENERIC_SUFFIXES = ("小区", "花园", "家园", "公寓", "广场", "大厦", "社区", "街道", "新城")


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """One named place (小区, road, landmark) and the grid that covers it."""

    district: str
    street: str
    community: str
    place: str
    aliases: tuple[str, ...]
    grid_code: str


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One row of the unit tree CSV."""

    code: str
    name: str
    parent_code: str
    kind: str


@dataclass(frozen=True, slots=True)
class AreaMatch:
    """Where an address resolved to; codes are empty when that level is unknown."""

    district: str
    street: str
    community: str
    grid_code: str
    place: str
    score: float
    matched_text: str


def normalize(text: str) -> str:
    """Fold full-width characters and case, and drop whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()


def clean_address(text: str) -> str:
    """Strip house numbers, position words and punctuation from an address."""
    text = normalize(text)
    text = _HOUSE_NO.sub("", text)
    text = _NEAR_WORDS.sub("", text)
    return _PUNCT.sub("", text)


def load_gazetteer(path: str | Path = DEMO_GAZETTEER) -> list[GazetteerEntry]:
    """Read gazetteer rows ``district,street,community,place,aliases,grid_code`` from a CSV file."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            GazetteerEntry(
                district=row["district"].strip(),
                street=row["street"].strip(),
                community=row["community"].strip(),
                place=row["place"].strip(),
                aliases=tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()),
                grid_code=row["grid_code"].strip(),
            )
            for row in csv.DictReader(fh)
        ]


def load_units(path: str | Path = DEMO_UNITS) -> list[UnitRow]:
    """Read unit rows ``code,name,parent_code,kind`` from a CSV file."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            UnitRow(r["code"].strip(), r["name"].strip(), (r["parent_code"] or "").strip(), r["kind"].strip())
            for r in csv.DictReader(fh)
        ]


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _core(name: str) -> str:
    """Return a place name without its generic suffix (融科檀香山小区 → 融科檀香山)."""
    for suffix in _GENERIC_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 3:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True, slots=True)
class _Target:
    """What a dictionary key points at: a gazetteer entry (index) or a unit of some level."""

    level: str  # "place", "community", "street", "district"
    entry: int  # index into entries for places, -1 for units
    district: str
    street: str
    community: str
    grid_code: str


class AddressMatcher:
    """Resolve free-text addresses against a gazetteer; build once, match many times."""

    def __init__(self, entries: Iterable[GazetteerEntry], units: Iterable[UnitRow] = ()) -> None:
        self.entries: list[GazetteerEntry] = list(entries)
        self._keys: dict[str, list[_Target]] = defaultdict(list)
        self._lengths: dict[str, list[int]] = defaultdict(list)  # first char → key lengths, longest first
        self._district_codes: set[str] = set()
        self._unit_names: dict[str, str] = {}
        for i, e in enumerate(self.entries):
            target = _Target("place", i, e.district, e.street, e.community, e.grid_code)
            names = {e.place, *e.aliases}
            names.add(_core(e.place))
            for name in names:
                self._add_key(normalize(name), target)
        self._add_units(list(units))
        for first, lengths in self._lengths.items():
            self._lengths[first] = sorted(set(lengths), reverse=True)
        self._build_bigram_index()

    @classmethod
    def from_files(
        cls, gazetteer: str | Path = DEMO_GAZETTEER, units: str | Path | None = DEMO_UNITS
    ) -> AddressMatcher:
        """Build a matcher from a gazetteer CSV and, optionally, the unit tree CSV."""
        return cls(load_gazetteer(gazetteer), load_units(units) if units else ())

    def _add_key(self, key: str, target: _Target) -> None:
        if len(key) < 2:
            return  # one character names nothing reliably
        bucket = self._keys[key]
        if target not in bucket:
            bucket.append(target)
            self._lengths[key[0]].append(len(key))

    def _add_units(self, units: list[UnitRow]) -> None:
        by_code = {u.code: u for u in units}
        for u in units:
            self._unit_names[u.code] = u.name
            if u.kind not in ("district", "street", "community"):
                continue
            chain = {u.kind: u.code}
            parent = by_code.get(u.parent_code)
            while parent is not None and parent.kind in ("district", "street", "community"):
                chain[parent.kind] = parent.code
                parent = by_code.get(parent.parent_code)
            grid = ""
            if u.kind == "community":
                grids = [g.code for g in units if g.parent_code == u.code and g.kind == "grid"]
                grid = grids[0] if len(grids) == 1 else ""  # with two grids the community alone can't pick one
            target = _Target(
                u.kind, -1, chain.get("district", ""), chain.get("street", ""), chain.get("community", ""), grid
            )
            names = {u.name}
            if u.kind == "street" and u.name.endswith("街道"):
                stem = u.name[:-2]
                names |= {stem + "街道办事处", stem + "街办"}
            if u.kind == "district":
                self._district_codes.add(u.code)
            for name in names:
                self._add_key(normalize(name), target)

    def _build_bigram_index(self) -> None:
        self._postings: dict[str, list[int]] = defaultdict(list)
        # Each entry keeps the bigram sets of its core name and its longer aliases; the best one scores.
        self._entry_grams: list[tuple[frozenset[str], ...]] = []
        for i, e in enumerate(self.entries):
            names = {normalize(_core(e.place))} | {normalize(a) for a in e.aliases if len(a) >= 3}
            sets = tuple(frozenset(_bigrams(n)) for n in sorted(names))
            self._entry_grams.append(sets)
            for g in set().union(*sets):
                self._postings[g].append(i)
        n = max(len(self.entries), 1)
        self._idf = {g: math.log((n + 1) / (len(p) + 1)) + 1.0 for g, p in self._postings.items()}
        # Bigrams shared by a large share of places (小区, 花园) only slow the candidate search down.
        self._stop_grams = {g for g, p in self._postings.items() if len(p) > max(50, n // 20)}

    def user_dictionary_words(self) -> list[str]:
        """Return place names, aliases and unit names for jieba's user dictionary."""
        words = {e.place for e in self.entries} | {a for e in self.entries for a in e.aliases}
        words |= {name for name in self._unit_names.values() if len(name) >= 2}
        return sorted(words)

    def district_hint(self, text: str) -> str:
        """Return the district code named in the text ("A市A3区" → "A3"), or an empty string."""
        for m in _DISTRICT.finditer(normalize(text)):
            if not self._district_codes or m.group(1) in self._district_codes:
                return m.group(1)
        return ""

    def _scan(self, text: str) -> list[tuple[str, list[_Target]]]:
        """Find the longest dictionary key at each position, left to right, without overlaps."""
        found: list[tuple[str, list[_Target]]] = []
        i, n = 0, len(text)
        while i < n - 1:
            for length in self._lengths.get(text[i], ()):
                if i + length <= n:
                    key = text[i : i + length]
                    targets = self._keys.get(key)
                    if targets:
                        found.append((key, targets))
                        i += length
                        break
            else:
                i += 1
        return found

    def match(self, text: str, district: str = "", fuzzy: bool | None = None) -> AreaMatch | None:
        """Resolve an address (or a whole message) to an area; ``district`` is a known district code."""
        norm = normalize(text)
        if not norm:
            return None
        hint = district or self.district_hint(norm)
        hits = self._scan(norm)
        places = [(k, t) for k, ts in hits for t in ts if t.level == "place"]
        units = [(k, t) for k, ts in hits for t in ts if t.level != "place"]
        # Street/community names mentioned alongside a place disambiguate homonyms too.
        context = {hint} | {t.street for _, t in units} | {t.community for _, t in units}
        context.discard("")
        if places:
            return self._best_place(places, hint, context)
        cleaned = clean_address(norm)
        if fuzzy is None:
            fuzzy = len(cleaned) <= FUZZY_MAX_CHARS
        near = self._fuzzy(cleaned, hint) if fuzzy else None
        if near is not None:
            return near
        if units:
            rank = {"community": 0, "street": 1, "district": 2}
            consistent = [(k, t) for k, t in units if not hint or t.district == hint]
            key, t = min(consistent or units, key=lambda kt: (rank[kt[1].level], -len(kt[0])))
            score = {"community": SCORE_COMMUNITY, "street": SCORE_STREET, "district": SCORE_DISTRICT}[t.level]
            return AreaMatch(t.district, t.street, t.community, t.grid_code, "", score, key)
        if hint:
            return AreaMatch(hint, "", "", "", "", SCORE_DISTRICT, hint)
        return None

    def _best_place(self, places: list[tuple[str, _Target]], hint: str, context: set[str]) -> AreaMatch:
        def rank(kt: tuple[str, _Target]) -> tuple[int, int]:
            key, t = kt
            agree = sum(code in context for code in (t.district, t.street, t.community))
            return (agree, len(key))

        best_key, best = max(places, key=rank)
        same_key = {(t.district, t.community) for k, t in places if k == best_key}
        score = SCORE_PLACE
        if hint and best.district != hint:
            score = SCORE_PLACE_NO_HINT_HOMONYM  # the caller named another district: trust the place, flag it
        elif len(same_key) > 1 and rank((best_key, best))[0] == 0:
            score = SCORE_PLACE_NO_HINT_HOMONYM  # homonym and nothing to tell them apart
        e = self.entries[best.entry]
        return AreaMatch(e.district, e.street, e.community, e.grid_code, e.place, score, best_key)

    def _fuzzy(self, text: str, hint: str) -> AreaMatch | None:
        grams = _bigrams(text)
        if not grams:
            return None
        candidates: set[int] = set()
        for g in grams:
            if g not in self._stop_grams:
                candidates.update(self._postings.get(g, ()))
        best: tuple[float, int] | None = None
        for i in candidates:
            score = 0.0
            for eg in self._entry_grams[i]:
                if len(eg) < 3:
                    continue  # names under four characters match too much by chance
                total = sum(self._idf[g] for g in eg)
                score = max(score, sum(self._idf[g] for g in eg if g in grams) / total)
            if hint and self.entries[i].district == hint:
                score += 0.05  # same district as the caller said: prefer among near-equal candidates
            if best is None or score > best[0] or (score == best[0] and i < best[1]):
                best = (score, i)
        if best is None or best[0] < FUZZY_MIN:
            return None
        e = self.entries[best[1]]
        return AreaMatch(
            e.district, e.street, e.community, e.grid_code, e.place, round(min(best[0], 1.0) * FUZZY_WEIGHT, 3), text
        )


def user_dictionary_words(entries: Iterable[GazetteerEntry] | None = None) -> list[str]:
    """Return place names and aliases (the demo gazetteer by default) for jieba's user dictionary."""
    rows = load_gazetteer() if entries is None else list(entries)
    return sorted({e.place for e in rows} | {a for e in rows for a in e.aliases})
