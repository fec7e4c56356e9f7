"""Company identity: the unified social credit code's check character, and names compared without suffixes."""

from __future__ import annotations

import pytest

from partners.identity import normalise_company_name, uscc_check_character, uscc_problem


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "9144030071526726XG", "91110000600037341L", " 9135 0100-M000100Y43 ", "91350100m000100y43"],
)
def test_valid_codes_pass(code):
    assert uscc_problem(code) is None


def test_check_character_worked_by_hand():
    # 9 1 3 5 0 1 0 0 M 0 0 0 1 0 0 Y 4 with weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    # 9 + 3 + 27 + 135 + 0 + 26 + 0 + 0 + 21*20 + 0 + 0 + 0 + 8 + 0 + 0 + 30*30 + 4*28 = 1640; 1640 mod 31 = 28;
    # 31 - 28 = 3, the character "3".
    assert uscc_check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "code, problem",
    [
        ("91350100M000100Y44", "check"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M0001O0Y43", "characters"),  # the letter O is not in the alphabet
        ("9135A100M000100Y43", "characters"),  # the region part is digits
        ("", "length"),
    ],
)
def test_malformed_codes_say_what_is_wrong(code, problem):
    assert uscc_problem(code) == problem


@pytest.mark.parametrize(
    "a, b",
    [
        ("深圳华南电子有限公司", "深圳华南电子股份有限公司"),
        ("深圳华南电子有限公司", " 深圳 华南电子 "),
        ("（深圳）华南电子有限公司", "深圳华南电子"),
        ("Cascade Supply Co., Ltd.", "cascade supply"),
        ("CASCADE SUPPLY LIMITED", "Cascade Supply Inc."),
        ("Alpen Fachhandel GmbH", "alpen fachhandel"),
        ("ＡＢＣ Trading", "abc trading"),  # full-width letters
    ],
)
def test_same_company_names_match(a, b):
    assert normalise_company_name(a) == normalise_company_name(b)


def test_different_companies_stay_different():
    assert normalise_company_name("Ag Supply") != normalise_company_name("Supply")
    assert normalise_company_name("深圳华南电子") != normalise_company_name("深圳华北电子")
