"""Text as the portal keeps it: what every form, file and API call passes through before it is stored."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# C0 and C1 controls other than tab and line breaks, DEL, lone surrogates and the two noncharacters that no
# XML document (so no XLSX export) may hold.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BREAK = re.compile("[\t\r\n]+")
# Full-width digits and signs (a Chinese input method's) read as the ASCII ones in numbers and dates.
FULL_WIDTH = str.maketrans("０１２３４５６７８９，．＋－", "0123456789,.+-")


def without_controls(value: str, *, multiline: bool = False) -> str:
    """`value` with its control characters removed. A multi-line field keeps tabs and line breaks (Windows
    line ends made plain); a one-line field gets a space for them, as a pasted spreadsheet cell carries
    them in by accident."""
    if value.isprintable():  # nearly every value: no character above is printable, and this test is cheap
        return value
    value = _CONTROL.sub("", value)
    if multiline:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return _BREAK.sub(" ", value)


def has_controls(value: str) -> bool:
    """True when `value` holds a character that without_controls() would remove (tabs and breaks aside)."""
    return bool(_CONTROL.search(value))


_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"'。，；：！？）】]+[^\s<>\"'.,;:!?)\]}。，；：！？）】]")


def linkify(text: str | None) -> Markup:
    """Plain text for a page: everything escaped, line breaks kept by CSS, and http(s) addresses made links that
    open apart from the portal and pass it no referrer or authority (rel="noopener noreferrer nofollow ugc")."""
    escaped = str(escape(text or ""))
    return Markup(
        _WEB_ADDRESS.sub(
            lambda match: (
                f'<a href="{match.group(0)}" rel="noopener noreferrer nofollow ugc" target="_blank">'
                f"{match.group(0)}</a>"
            ),
            escaped,
        )
    )
