"""Who a company is: China's unified social credit code, and company names compared without their suffixes."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# GB 32100-2015: 18 characters from this 31-character alphabet (no I, O, S, V, Z); the last is a check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(rf"^[{USCC_ALPHABET}]{{2}}\d{{6}}[{USCC_ALPHABET}]{{10}}$")


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None when `code` is a well-formed unified social credit code; otherwise what is wrong (English, for
    the caller to translate)."""
    code = normalise_registration_number(code)
    if len(code) != 18:
        return "length"
    if not _USCC_SHAPE.match(code):
        return "characters"
    if uscc_check_character(code[:17]) != code[17]:
        return "check"
    return None


def normalise_registration_number(number: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", number or "")).upper()


# Longest first, so that 股份有限公司 goes before 有限公司 and "co., ltd." before "ltd".
_SUFFIXES = sorted(
    [
        "有限责任公司",
        "股份有限公司",
        "有限公司",
        "集团公司",
        "集团",
        "公司",
        "分公司",
        "company limited",
        "co ltd",
        "coltd",
        "limited",
        "ltd",
        "incorporated",
        "inc",
        "llc",
        "gmbh",
        "ag",
        "co kg",
        "corporation",
        "corp",
        "company",
        "co",
        "plc",
        "sarl",
        "sas",
        "srl",
        "bv",
        "pty",
        "sa",
    ],
    key=len,
    reverse=True,
)


@lru_cache(maxsize=65536)  # imports meet the same customer names again and again
def normalise_company_name(name: str) -> str:
    """A key for "is this the same company": width and case folded, punctuation and spaces dropped, legal-form
    suffixes removed (深圳华南电子有限公司 = 深圳华南电子; "Cascade Supply Co., Ltd." = "cascade supply")."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = re.sub(r"[()（）\[\]【】]", " ", text)
    text = re.sub(r"[^\w\s]", " ", text)  # punctuation becomes a word break: "co., ltd." -> "co ltd"
    text = re.sub(r"\s+", " ", text).strip()
    changed = True
    while changed and text:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and (
                len(text) == len(suffix) or not suffix.isascii() or text[-len(suffix) - 1] == " "
            ):
                text = text[: -len(suffix)].rstrip()
                changed = True
                break
    return text.replace(" ", "")
