import pytest

from wirecoder.errors import DataFileError
from wirecoder.ontology import _parse_table, cameo_codes, goldstein, plover_for, quad_class_of


@pytest.mark.parametrize(
    ("cameo", "event_type", "mode"),
    [
        ("041", "CONSULT", "phone"),
        ("046", "CONSULT", None),
        ("0333", "AGREE", None),
        ("1222", "REJECT", "assist"),
        ("190", "ASSAULT", None),
        ("163", "SANCTION", "discontinue"),  # the manual over the table: cameo2plover_overrides.tsv
        ("116", "SANCTION", "convict"),
        ("173", "COERCE", "arrest"),
        ("020", "REQUEST", None),
        ("0256", "REQUEST", "yield"),
        ("1056", "REQUEST", "yield"),
    ],
)
def test_cameo_maps_to_plover(cameo, event_type, mode):
    mapping = plover_for(cameo)
    assert mapping is not None
    assert (mapping.event_type, mapping.mode) == (event_type, mode)


def test_statements_have_no_plover_type():
    assert plover_for("010") is None


def test_unknown_leaf_falls_back_to_parent():
    assert plover_for("0469").event_type == "CONSULT"


@pytest.mark.parametrize(("cameo", "quad"), [("010", 1), ("046", 1), ("073", 2), ("112", 3), ("190", 4)])
def test_quad_class(cameo, quad):
    assert quad_class_of(cameo) == quad


def test_codes_keep_leading_zeros_and_scores():
    codes = cameo_codes()
    assert "046" in codes and "46" not in codes
    assert goldstein("190") == -10.0
    assert goldstein("0333") == codes["0333"].goldstein


def test_malformed_mapping_line_names_the_line():
    with pytest.raises(DataFileError) as err:
        _parse_table("t.txt", "# header\n040: CONSULT, ,\n041 CONSULT\n")
    assert err.value.line == 3 and "t.txt:3" in str(err.value)


def test_unknown_plover_type_rejected():
    with pytest.raises(DataFileError, match="unknown PLOVER type"):
        _parse_table("t.txt", "040: CONSLUT, ,\n")
