"""Plain text on a page: escaped, with web addresses as links that cannot run script or leak the portal."""

from __future__ import annotations

from portal.text import linkify


def test_text_is_escaped_and_only_web_addresses_become_links():
    html = str(linkify("<script>alert(1)</script> javascript:alert(1) see https://example.com/a?b=1&c=2. 谢谢"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow ugc" target="_blank">' in html
    assert html.endswith("</a>. 谢谢")  # the sentence's full stop is not part of the address


def test_chinese_punctuation_ends_an_address():
    assert str(linkify("见 http://x.cn/a，谢谢")).endswith("http://x.cn/a</a>，谢谢")
    assert str(linkify(None)) == ""
