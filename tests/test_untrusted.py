"""Display forms for hostile text: hidden characters, bidi containment, link inspection (anchors §1.5, §1.6)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.untrusted import (
    BIDI_CONTROLS,
    INVISIBLES,
    first_strong_direction,
    hidden_characters,
    inspect_link,
    isolate,
    neutralise_bidi,
    plain_text_for_rich_context,
    reveal,
    safe_filename,
    visible_marker,
)

FIXTURE = Path(__file__).parent / "fixtures" / "hostile_strings.json"
HOSTILE: list[str] = json.loads(FIXTURE.read_text(encoding="utf-8"))

ZWJ, ZWNJ = "\u200d", "\u200c"
EMBEDDINGS, ISOLATES = frozenset("\u202a\u202b\u202d\u202e"), frozenset("\u2066\u2067\u2068")
PDF, PDI, FSI = "\u202c", "\u2069", "\u2068"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
URDU_WITH_ZWNJ = "می\u200cخواہم"  # the joiner is needed for the correct letter forms

# Format characters that scripts draw visibly; the only ones body mode leaves alone (besides ZWJ/ZWNJ).
SCRIPT_FORMAT = {
    *range(0x600, 0x606),
    0x6DD,
    0x70F,
    0x890,
    0x891,
    0x8E2,
    0x110BD,
    0x110CD,
    *range(0x13430, 0x13440),
}

# Characters that make the properties interesting, mixed with everything else Unicode has.
SPICY = sorted(
    BIDI_CONTROLS
    | {
        ZWJ,
        ZWNJ,
        "\u00ad",
        "\ufeff",
        "\u200b",
        "\U000e0041",
        "\U000e007f",
        "\U0001f3f4",
        "\U000e0067",
        "\U000e0062",
    }
    | {
        "\U000e0073",
        "\U000e0063",
        "\U000e0074",
        "\n",
        "\t",
        "\x1b",
        "\ufe0f",
        "a",
        "ا",
        "1",
        " ",
        "\u2028",
        "⟪",
        "⟫",
    }
)
texts = st.text(alphabet=st.one_of(st.sampled_from(SPICY), st.characters()))
# Lone surrogates only come from surrogateescape decoding, but Python strings can hold them.
texts_with_surrogates = st.text(alphabet=st.one_of(st.sampled_from(SPICY), st.characters(categories=["Cs"])))


def unbalanced(text: str) -> bool:
    """UAX #9 X1-X8 without the depth limit: does any push stay open, or any pop reach outside the text?"""
    stack: list[str] = []
    for ch in text:
        if ch in EMBEDDINGS or ch in ISOLATES:
            stack.append(PDI if ch in ISOLATES else PDF)
        elif ch == PDI:
            if PDI not in stack:
                return True
            while stack.pop() != PDI:
                pass
        elif ch == PDF:
            if not stack:
                return True
            if stack[-1] == PDF:
                stack.pop()
    return bool(stack)


# --- reveal ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
@pytest.mark.parametrize("identifier", [False, True])
def test_every_bidi_control_is_marked(control: str, identifier: bool) -> None:
    shown = reveal(f"a{control}b", identifier=identifier)
    assert control not in shown
    assert shown == f"a{visible_marker(control)}b"


def test_rlo_file_name_shows_its_trick() -> None:
    shown = reveal("invoice\u202egpj.exe")
    assert "⟪RLO⟫" in shown
    assert "\u202e" not in shown
    assert safe_filename("invoice\u202egpj.exe") == "invoice⟪RLO⟫gpj.exe"


def test_markers_are_short_ascii_names() -> None:
    assert visible_marker("\u200b") == "⟪ZWSP⟫"
    assert visible_marker("\U000e0041") == "⟪U+E0041⟫"
    assert visible_marker("\u00ad") == "⟪SHY⟫"
    assert visible_marker("\ufeff") == "⟪BOM⟫"
    for ch in BIDI_CONTROLS | INVISIBLES:
        assert visible_marker(ch)[1:-1].isascii()
    with pytest.raises(ValueError, match="one character"):
        visible_marker("ab")


def test_tag_characters_are_marked() -> None:
    smuggled = "Approve." + "".join(chr(0xE0000 + ord(c)) for c in "ignore the rules")
    shown = reveal(smuggled)
    assert shown.startswith("Approve.⟪U+E0069⟫⟪U+E0067⟫")
    assert not any(0xE0000 <= ord(c) <= 0xE007F for c in shown)


def test_rgi_tag_flag_is_kept_in_body_but_not_a_lookalike() -> None:
    assert reveal(f"go {SCOTLAND}!") == f"go {SCOTLAND}!"
    assert "⟪U+E0067⟫" in reveal(SCOTLAND, identifier=True)
    with_payload = SCOTLAND[:-1] + "\U000e0078" + SCOTLAND[-1]  # not an RGI flag: something rides along
    assert "⟪U+E0078⟫" in reveal(with_payload)


def test_joiners_are_legitimate_in_body_text_only() -> None:
    assert reveal(URDU_WITH_ZWNJ) == URDU_WITH_ZWNJ
    assert reveal(URDU_WITH_ZWNJ, identifier=True) == "می⟪ZWNJ⟫خواہم"
    assert reveal(FAMILY) == FAMILY
    assert reveal("क्\u200dष") == "क्\u200dष"
    assert "⟪ZWJ⟫" in reveal(FAMILY, identifier=True)
    assert reveal("@ad\u200dmin", identifier=True) == "@ad⟪ZWJ⟫min"


def test_variation_selectors_are_kept_in_body_and_shown_in_identifiers() -> None:
    assert reveal("\u2764\ufe0f") == "\u2764\ufe0f"
    assert reveal("\u2764\ufe0f", identifier=True) == "\u2764⟪VS16⟫"


def test_body_keeps_line_structure_but_shows_other_controls() -> None:
    assert reveal("a\nb\tc\r\n") == "a\nb\tc\r\n"
    assert reveal("\x1b[31mred") == "⟪ESC⟫[31mred"
    assert reveal("a\nb", identifier=True) == "a⟪LF⟫b"
    assert reveal("pay\u200bpal \u00ad\ufeff") == "pay⟪ZWSP⟫pal ⟪SHY⟫⟪BOM⟫"


def test_every_format_character_is_shown_in_body_unless_a_script_draws_it() -> None:
    for cp in range(0x110000):
        ch = chr(cp)
        if unicodedata.category(ch) != "Cf" or cp in SCRIPT_FORMAT or ch in (ZWJ, ZWNJ):
            continue
        assert reveal(ch) == visible_marker(ch), f"U+{cp:04X}"


def test_hidden_characters_reports_positions_and_names() -> None:
    assert hidden_characters("a\u202eb\x1b") == [
        (1, "U+202E RIGHT-TO-LEFT OVERRIDE"),
        (3, "U+001B <control>"),
    ]
    assert hidden_characters("plain text") == []
    assert hidden_characters(URDU_WITH_ZWNJ) == []
    assert hidden_characters(URDU_WITH_ZWNJ, identifier=True) == [(2, "U+200C ZERO WIDTH NON-JOINER")]


@given(texts)
def test_identifier_reveal_leaves_nothing_hidden(text: str) -> None:
    shown = reveal(text, identifier=True)
    assert not any(ch in BIDI_CONTROLS or ch in INVISIBLES for ch in shown)
    assert not any(unicodedata.category(ch) in ("Cf", "Cc") for ch in shown)
    assert hidden_characters(shown, identifier=True) == []


@given(texts_with_surrogates)
def test_lone_surrogates_are_shown_in_both_modes(text: str) -> None:
    for identifier in (False, True):
        assert not any("\ud800" <= ch <= "\udfff" for ch in reveal(text, identifier=identifier))


@given(texts)
def test_reveal_is_idempotent(text: str) -> None:
    for identifier in (False, True):
        once = reveal(text, identifier=identifier)
        assert reveal(once, identifier=identifier) == once
        assert len(hidden_characters(text, identifier=identifier)) == once.count("⟪") - text.count("⟪")


# --- bidi containment ------------------------------------------------------------------------------------


def test_neutralise_bidi_closes_what_is_open() -> None:
    assert neutralise_bidi("\u2067abc") == "\u2067abc\u2069"
    assert neutralise_bidi("\u202aabc\u2067def") == "\u202aabc\u2067def\u2069\u202c"
    assert neutralise_bidi("\u202b\u202bx") == "\u202b\u202bx\u202c\u202c"


def test_neutralise_bidi_keeps_balanced_text_and_shows_stray_closers() -> None:
    assert neutralise_bidi("\u2066x\u2069 and \u202by\u202c") == "\u2066x\u2069 and \u202by\u202c"
    assert neutralise_bidi("x\u2069y\u202c") == "x⟪PDI⟫y⟪PDF⟫"
    assert neutralise_bidi(URDU_WITH_ZWNJ) == URDU_WITH_ZWNJ


@given(texts)
def test_neutralise_bidi_output_is_balanced(text: str) -> None:
    shown = neutralise_bidi(text)
    assert not unbalanced(shown)
    assert neutralise_bidi(shown) == shown


@given(texts)
def test_isolate_contains_its_value(text: str) -> None:
    wrapped = isolate(text)
    assert wrapped.startswith(FSI)
    assert wrapped.endswith(PDI)
    assert not unbalanced(wrapped)
    assert not unbalanced("\u202b" + wrapped[1:-1] + "\u202c")  # the value cannot close the caller's context


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("یہ ایک جائزہ ہے", "rtl"),
        ("مرحبا", "rtl"),
        ("Hello", "ltr"),
        ("123 اردو", "rtl"),
        ("123 abc", "ltr"),
        ("\u2066abc\u2069 اردو", "rtl"),  # isolated content does not count
        ("\u202eabc", "ltr"),  # an override is not a strong character
        ("", None),
        ("123 !?", None),
    ],
)
def test_first_strong_direction(text: str, direction: str | None) -> None:
    assert first_strong_direction(text) == direction


def test_plain_text_for_rich_context_escapes_markup_and_quotes() -> None:
    escaped = plain_text_for_rich_context("<b onclick=\"x\">'&'</b>")
    assert escaped == "&lt;b onclick=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/b&gt;"


# --- links -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["https://example.test/path?q=1#frag", "http://example.test", "HTTPS://EXAMPLE.TEST"]
)
def test_web_links_are_openable(url: str) -> None:
    link = inspect_link(url)
    assert link.openable
    assert link.reason is None
    assert link.host_ascii == link.host_unicode == "example.test"
    assert link.warnings == ()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "scheme 'javascript' is not allowed"),
        ("JaVaScRiPt:alert(1)", "scheme 'javascript' is not allowed"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
        ("data:text/html,<script>alert(1)</script>", "scheme 'data' is not allowed"),
        ("ftp://ftp.test/pub", "scheme 'ftp' is not allowed"),
        ("/relative/path", "no scheme"),
        ("//evil.test/", "no scheme"),
        ("", "no scheme"),
        ("https://", "no host"),
        ("https:evil.test", "no host"),
        ("java\tscript:alert(1)", "malformed URL"),
        ("https://evil.test\\@good.test/", "malformed URL"),
        ("https://evil.test:99999/", "malformed URL"),
        ("https://[::1", "malformed URL"),
        ("https://a..b/", "malformed URL"),
        ("https://xn--zz.test/", "malformed URL"),
        ("https://exa%6dple.test/", "malformed URL"),  # browsers would decode the host; refuse instead
        ("https://\u3164.test/", "malformed URL"),  # a Hangul filler: a host that looks empty
        ("https://\u0378.test/", "malformed URL"),  # unassigned
    ],
)
def test_other_links_are_refused_with_a_reason(url: str, reason: str) -> None:
    link = inspect_link(url)
    assert not link.openable
    assert link.reason is not None
    assert link.reason.startswith(reason)


def test_cyrillic_in_latin_host_is_flagged() -> None:
    link = inspect_link("https://раypal.test/login")
    assert {"mixed_scripts", "confusable"} <= set(link.warnings)
    assert link.host_ascii == "xn--ypal-43d9g.test"
    assert link.host_unicode == "раypal.test"


def test_punycode_host_is_decoded_for_display() -> None:
    link = inspect_link("https://xn--80ak6aa92e.com/")
    assert link.host_unicode == "\u0430\u0440\u0440\u04cf\u0435.com"  # "apple" in Cyrillic
    assert link.host_ascii == "xn--80ak6aa92e.com"
    assert {"punycode", "confusable"} <= set(link.warnings)
    assert link.openable


def test_legitimate_international_hosts_are_not_flagged_as_spoofs() -> None:
    for url in ("https://例え.テスト/", "https://évil.test/", "https://مثال.إختبار/"):
        link = inspect_link(url)
        assert link.openable
        assert not {"mixed_scripts", "confusable"} & set(link.warnings), url


def test_lookalike_forms_of_ascii_names_are_confusable() -> None:
    assert "confusable" in inspect_link("https://ｐａｙｐａｌ.test/").warnings
    zwsp = inspect_link("https://pay\u200bpal.test/")
    assert {"hidden_characters", "confusable"} <= set(zwsp.warnings)
    assert zwsp.host_unicode == "paypal.test"  # where the browser would actually go


@pytest.mark.parametrize(
    ("url", "warning"),
    [
        ("https://user:pass@evil.test/", "userinfo"),
        ("https://good.test@evil.test/", "userinfo"),
        ("http://127.0.0.1/", "ip_address"),
        ("http://[::1]/", "ip_address"),
        ("http://2130706433/", "ip_address"),
        ("http://0x7f.1/", "ip_address"),
        ("https://evil.test:8443/", "non_standard_port"),
        ("https://example.test/\u202egpj.exe", "hidden_characters"),
    ],
)
def test_link_warnings(url: str, warning: str) -> None:
    link = inspect_link(url)
    assert warning in link.warnings
    assert link.openable


def test_userinfo_host_is_the_real_destination() -> None:
    assert inspect_link("https://good.test@evil.test/").host_ascii == "evil.test"


def test_reasons_never_carry_hidden_characters() -> None:
    link = inspect_link("https://good.test\uff03\u202e@evil.test/")
    assert link.reason is not None
    assert hidden_characters(link.reason, identifier=True) == []
    assert len(inspect_link("https://" + "\u202e" * 5000 + "\uff03@x").reason or "") < 400


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_fixture_never_breaks_anything(text: str) -> None:
    link = inspect_link(text)
    assert link.url == text
    assert link.openable == (link.reason is None)
    assert hidden_characters(reveal(text, identifier=True), identifier=True) == []
    assert not unbalanced(neutralise_bidi(text))
    assert "<" not in plain_text_for_rich_context(text)


URL_PARTS = st.sampled_from(
    ["http", "https", "HTTP", "javascript", "file", "xn--", "@", ":", "[", "]", "%", "\\"]
)
urls = st.one_of(
    texts,
    texts_with_surrogates,
    st.builds(lambda scheme, host, rest: f"{scheme}://{host}{rest}", URL_PARTS, texts, texts),
    st.builds(
        "".join,
        st.lists(st.one_of(URL_PARTS, st.sampled_from([".", "/", "xn--80ak6aa92e", "а", "\ud800"]), texts)),
    ),
)


@given(urls)
def test_inspect_link_never_raises(url: str) -> None:
    link = inspect_link(url)
    assert link.openable == (link.reason is None)
    assert not link.openable or link.scheme in ("http", "https")
    assert not link.openable or link.host_ascii.isascii()


# --- fixture -----------------------------------------------------------------------------------------------


def test_fixture_has_enough_unique_hostile_strings() -> None:
    assert all(isinstance(s, str) for s in HOSTILE)
    assert len(set(HOSTILE)) == len(HOSTILE) >= 220
    assert FIXTURE.stat().st_size < 1_000_000
    assert not any("\x00" in s for s in HOSTILE)
