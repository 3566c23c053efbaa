"""Gazetteer: resolution table, normalisation, alias-file validation, robustness."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirecoder.errors import DataFileError
from wirecoder.gazetteer import (
    ALIAS_COLUMNS,
    Gazetteer,
    default_alias_path,
    default_gazetteer,
    fold_place,
    normalize_place,
    read_alias_file,
)
from wirecoder.schema import Place

HEADER = "\t".join(ALIAS_COLUMNS) + "\n"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


# mention, country hint, expected canonical name, expected ISO3, (lat, lon) or None
RESOLVE = [
    ("Alanya", "TUR", "Alanya", "TUR", (36.54, 31.99)),
    ("Alanya", None, "Alanya", "TUR", (36.54, 31.99)),
    ("Aleppo", None, "Aleppo", "SYR", (36.20, 37.16)),
    ("eastern Aleppo", None, "Aleppo", "SYR", None),
    ("east Aleppo", None, "Aleppo", "SYR", None),
    ("Aleppo province", None, "Aleppo", "SYR", None),
    ("Washington", None, "Washington", "USA", (38.90, -77.04)),
    ("Washington, D.C.", None, "Washington", "USA", (38.90, -77.04)),
    ("Paris", None, "Paris", "FRA", (48.85, 2.35)),
    ("Tripoli", "LBN", "Tripoli", "LBN", (34.43, 35.84)),
    ("Tripoli", None, "Tripoli", "LBY", (32.89, 13.19)),
    ("al-Bab", None, "Al Bāb", "SYR", None),
    ("Al Bab", None, "Al Bāb", "SYR", None),
    ("el-Bab", None, "Al Bāb", "SYR", None),
    ("Deir ez-Zor", None, "Deir ez-Zor", "SYR", None),
    ("Deir al-Zour", None, "Deir ez-Zor", "SYR", None),
    ("Deir el-Zor", None, "Deir ez-Zor", "SYR", None),
    ("Kiev", None, "Kyiv", "UKR", (50.45, 30.52)),
    ("Kyiv", None, "Kyiv", "UKR", (50.45, 30.52)),
    ("Ankara", None, "Ankara", "TUR", None),
    ("Moscow", None, "Moscow", "RUS", None),
    ("Damascus", None, "Damascus", "SYR", None),
    ("Mosul", None, "Mosul", "IRQ", None),
    ("Raqqa", None, "Ar Raqqah", "SYR", None),
    ("Idlib", None, "Idlib", "SYR", None),
    ("Idlib province", None, "Idlib", "SYR", None),
    ("Homs", None, "Homs", "SYR", None),
    ("Gaza", None, "Gaza Strip", "PSE", None),
    ("Gaza City", None, "Gaza", "PSE", None),
    ("Kabul", None, "Kabul", "AFG", None),
    ("Sanaa", None, "Sanaa", "YEM", None),
    ("Sana'a", None, "Sanaa", "YEM", None),
    ("Qamishli", None, "Al Qāmishlī", "SYR", None),
    ("Odessa", None, "Odesa", "UKR", None),
    ("Mexico City", None, "Mexico City", "MEX", None),
    ("New York", None, "New York City", "USA", None),
    ("Łódź", None, "Łódź", "POL", None),
    ("Turkey", None, "Turkey", "TUR", None),
    ("Syria", None, "Syria", "SYR", None),
    ("northern Syria", None, "Syria", "SYR", None),
    ("Syria's", None, "Syria", "SYR", None),
    ("Georgia", None, "Georgia", "GEO", None),
    ("Georgia", "USA", "Georgia", "USA", None),
    ("Britain", None, "United Kingdom", "GBR", None),
    ("the Mediterranean", None, "Mediterranean Sea", None, (35.0, 18.0)),
    ("West Bank", None, "West Bank", "PSE", None),
    ("Nice", "FRA", "Nice", "FRA", None),
]


@pytest.mark.parametrize(("mention", "hint", "name", "country", "latlon"), RESOLVE)
def test_lookup_resolves(gaz, mention, hint, name, country, latlon):
    place = gaz.lookup(mention, country=hint)
    assert place is not None, mention
    assert place.text == mention
    assert (place.name, place.country) == (name, country)
    if latlon is not None:
        assert place.lat == pytest.approx(latlon[0], abs=0.02)
        assert place.lon == pytest.approx(latlon[1], abs=0.02)


@pytest.mark.parametrize("mention", [
    "Mobile", "Reading", "Nice", "Xyzzy Qwerty", "", "   ", "the", "IS", "???",
])
def test_lookup_rejects_non_places_and_common_words(gaz, mention):
    assert gaz.lookup(mention) is None


def test_country_place_shape(gaz):
    place = gaz.lookup("Syria")
    assert place == Place(text="Syria", name="Syria", country="SYR", admin1=None,
                          lat=place.lat, lon=place.lon, geonameid=163843, feature="country")
    # Country coordinates are the capital's.
    damascus = gaz.lookup("Damascus")
    assert (place.lat, place.lon) == (damascus.lat, damascus.lon)


def test_hint_is_case_insensitive(gaz):
    assert gaz.lookup("Tripoli", country="lbn").country == "LBN"


@pytest.mark.parametrize(("text", "iso3"), [
    ("the US", "USA"), ("U.S.", "USA"), ("US", "USA"), ("United States", "USA"), ("Britain", "GBR"),
    ("UK", "GBR"), ("Russia", "RUS"), ("Ivory Coast", "CIV"), ("Côte d'Ivoire", "CIV"), ("Syria", "SYR"),
    ("Turkiye", "TUR"), ("Aleppo", None), ("Washington", None), ("northern Syria", None), ("", None),
])
def test_country_of(gaz, text, iso3):
    assert gaz.country_of(text) == iso3


@pytest.mark.parametrize(("iso3", "name"), [("SYR", "Syria"), ("usa", "United States"), ("XXX", None)])
def test_country_name(gaz, iso3, name):
    assert gaz.country_name(iso3) == name


def test_admin1_name(gaz):
    assert gaz.admin1_name(gaz.lookup("Mobile", country="USA")) == "Alabama"
    assert gaz.admin1_name(gaz.lookup("Aleppo")) == "Aleppo"  # GeoNames admin1 names world-wide
    assert gaz.admin1_name(gaz.lookup("Karachi")) == "Sindh"
    assert gaz.admin1_name(gaz.lookup("Syria")) is None


def test_default_gazetteer_is_cached():
    assert default_gazetteer() is default_gazetteer()


# ---- normalisation -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "key"), [
    ("al-Bab", "al bab"), ("Al Bab", "al bab"), ("el-Bab", "al bab"), ("ad-Dawr", "al dawr"),
    ("as-Suwayda", "al suwayda"), ("Deir ez-Zor", "deir al zor"), ("Sana’a", "sanaa"),
    ("eastern Aleppo", "aleppo"), ("Aleppo Governorate", "aleppo"), ("the Hague", "hague"),
    ("North", "north"), ("Ḩamāh", "hamah"), ("U.S.", "us"), ("south-eastern Idlib province", "idlib"),
])
def test_normalize_place(text, key):
    assert normalize_place(text) == key


def test_fold_keeps_qualifiers():
    assert fold_place("Mexico City") == "mexico city"
    assert fold_place("North Korea") == "north korea"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_normalisation_idempotent(text):
    once = normalize_place(text)
    assert normalize_place(once) == once
    folded = fold_place(text)
    assert fold_place(folded) == folded


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.one_of(st.none(), st.text(max_size=4)))
def test_lookup_never_raises(gaz, text, hint):
    place = gaz.lookup(text, country=hint)
    assert place is None or isinstance(place, Place)
    assert gaz.country_of(text) is None or len(gaz.country_of(text)) == 3


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([r[:2] for r in RESOLVE]), st.sampled_from(["", " ", "  ", "\t"]))
def test_lookup_ignores_surrounding_space(gaz, case, pad):
    mention, hint = case
    a, b = gaz.lookup(mention, country=hint), gaz.lookup(pad + mention + pad, country=hint)
    assert (a.name, a.country) == (b.name, b.country)


# ---- alias file --------------------------------------------------------------------------

def test_shipped_alias_file_is_valid():
    rows = read_alias_file(default_alias_path())
    assert {r.kind for r in rows} == {"alias", "place", "abbr", "stop"}


@pytest.mark.parametrize(("body", "line", "fragment"), [
    ("bogus\tX\tY\n", 2, "unknown kind"),
    ("alias\tX\n", 2, "needs a name"),
    ("alias\tX\tSyria\tSY\n", 2, "alpha-3"),
    ("# comment\n\nplace\tX\tX\tSYR\t91\t0\n", 4, "out of range"),
    ("place\tX\tX\tSYR\tabc\t0\n", 2, "not a number"),
    ("place\tX\tX\tSYR\n", 2, "needs lat and lon"),
    ("place\tX\tX\tSYR\t1\t2\tg1\n", 2, "geonameid"),
    ("alias\tX\tSyria\tSYR\t1\t2\n", 2, "leave lat"),
    ("stop\tNice\tNice\n", 2, "only the word"),
    ("alias\tX\tSyria\tSYR\t\t\t\t\textra\n", 2, "columns"),
    ("place\tX\tX\tSYR\t1\t2\t\tvolcano\n", 2, "unknown feature"),
    ("alias\tX\tSyria\tSYR\t\t\t\tregion\n", 2, "leave lat"),
    ("abbr\tN.S.W.\tNew South Wales\n", 2, "needs the country"),
])
def test_alias_file_errors_name_the_line(tmp_path, body, line, fragment):
    path = tmp_path / "aliases.tsv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        read_alias_file(path)
    assert err.value.line == line
    assert err.value.source == str(path)
    assert fragment in err.value.message
    assert f"{path}:{line}:" in str(err.value)


def test_alias_file_needs_header(tmp_path):
    path = tmp_path / "aliases.tsv"
    path.write_text("alias\tX\tSyria\tSYR\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        read_alias_file(path)
    assert err.value.line == 1


def test_alias_file_unknown_country_and_target(tmp_path):
    path = tmp_path / "aliases.tsv"
    path.write_text(HEADER + "alias\tX\tSyria\tZZZ\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="unknown country"):
        read_alias_file(path, known_countries=frozenset({"SYR"}))
    path.write_text(HEADER + "# c\nalias\tShangri\tShangri-La Nowhere\tSYR\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        Gazetteer.load(alias_path=path)
    assert err.value.line == 3
    assert "not in the gazetteer" in err.value.message


def test_missing_alias_file(tmp_path):
    with pytest.raises(DataFileError, match="cannot read"):
        read_alias_file(tmp_path / "nope.tsv")


def test_user_alias_file_extends_the_gazetteer(tmp_path):
    path: Path = tmp_path / "aliases.tsv"
    rows = ["alias\tHalab\tAleppo\tSYR", "place\tthe Levant\tLevant\t\t34.0\t36.0", "stop\tAnkara"]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    gaz = Gazetteer.load(alias_path=path)
    assert gaz.lookup("Halab").name == "Aleppo"
    assert gaz.lookup("the Levant") == Place("the Levant", "Levant", None, None, 34.0, 36.0, None, "region")
    assert gaz.lookup("Ankara") is None
    assert gaz.lookup("Ankara", country="TUR").name == "Ankara"
