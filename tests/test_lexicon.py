import pytest

from wirecoder.errors import DataFileError
from wirecoder.lexicon import load_lexicon, parse_lexicon
from wirecoder.ontology import plover_for


def test_packaged_lexicon_loads_and_codes_map_to_plover():
    lexicon = load_lexicon()
    rows = [r for rs in lexicon.by_key.values() for r in rs]
    assert len(rows) > 200
    for row in rows:
        if row.kind == "event":
            assert plover_for(row.cameo) is not None, row.rule_id


def test_particle_rows_are_parsed():
    rows = load_lexicon().rows("shoot", "VERB")
    assert any(r.particle == "down" and r.cameo == "190" for r in rows)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("meet\tVERB\tevent\t040\t-", "6 TAB-separated"),
        ("meet\tADJ\tevent\t040\t-\t0.5", "pos must be"),
        ("meet\tVERB\tnonsense\t040\t-\t0.5", "unknown class"),
        ("meet\tVERB\tevent\tXX\t-\t0.5", "CAMEO code"),
        ("meet\tVERB\tevent\t040\tfoo:bar\t0.5", "bad condition"),
        ("meet\tVERB\tevent\t040\t-\thigh", "not a number"),
        ("meet\tVERB\tevent\t040\t-\t1.5", "0..1"),
    ],
)
def test_malformed_rows_name_file_and_line(line, message):
    with pytest.raises(DataFileError, match=message) as err:
        parse_lexicon("# comment\n" + line + "\n", source="mine.tsv")
    assert err.value.source == "mine.tsv" and err.value.line == 2
