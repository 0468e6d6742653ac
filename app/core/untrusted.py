"""Display forms for hostile user text: reveal hidden characters, contain bidi controls, inspect links.

Evidence is stored raw; nothing here strips silently. Every function returns a *display* form in which a
hidden character becomes a visible marker such as ``⟪RLO⟫`` (reliability anchors §1.5, §1.6). Standard
library only, so it can run anywhere (no Qt, no ORM), and no function here raises on odd input.
"""

from __future__ import annotations

import html
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from encodings import idna as _idna
from typing import Final, Literal
from urllib.parse import SplitResult, urlsplit

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
LRM, RLM, ALM = "\u200e", "\u200f", "\u061c"
ZWNJ, ZWJ = "\u200c", "\u200d"

BIDI_CONTROLS: Final[frozenset[str]] = frozenset(
    LRE + RLE + PDF + LRO + RLO + LRI + RLI + FSI + PDI + LRM + RLM + ALM
)

_TAG_FIRST, _TAG_LAST = 0xE0000, 0xE007F
_TAGS: Final[frozenset[str]] = frozenset(chr(cp) for cp in range(_TAG_FIRST, _TAG_LAST + 1))

# Zero-width and blank-looking characters that hide inside names and links. Besides the format (Cf)
# characters this includes the Hangul fillers (letters that render as nothing), the combining grapheme
# joiner and the Khmer inherent vowels (default-ignorable marks), deprecated format controls and
# interlinear annotations. Variation selectors are not here: emoji need them in body text.
INVISIBLES: Final[frozenset[str]] = (
    frozenset(
        "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\u00ad\ufeff\u180e\u3164\u115f\u1160\uffa0"
        "\u034f\u17b4\u17b5\u206a\u206b\u206c\u206d\u206e\u206f\ufff9\ufffa\ufffb"
    )
    | frozenset(chr(cp) for cp in range(0x1D173, 0x1D17B))  # musical beam/tie/slur/phrase format controls
    | _TAGS
)

# Joiners that Urdu, Persian and Indic scripts and emoji ZWJ sequences need: legitimate in body text.
_SCRIPT_JOINERS: Final[frozenset[str]] = frozenset({ZWNJ, ZWJ})

# Format characters that scripts render visibly (number signs spanning digits, hieroglyph layout).
_SCRIPT_FORMAT: Final[frozenset[str]] = frozenset(
    [chr(cp) for cp in range(0x0600, 0x0606)]
    + ["\u06dd", "\u070f", "\u0890", "\u0891", "\u08e2", "\U000110bd", "\U000110cd"]
    + [chr(cp) for cp in range(0x13430, 0x13440)]
)

_BODY_WHITESPACE: Final[frozenset[str]] = frozenset("\t\n\r")

# In names, links and file names a variation selector only serves to make two strings look alike.
_VARIATION_SELECTORS: Final[frozenset[str]] = frozenset(
    [chr(cp) for cp in range(0xFE00, 0xFE10)]
    + [chr(cp) for cp in range(0xE0100, 0xE01F0)]
    + ["\u180b", "\u180c", "\u180d", "\u180f"]
)

_IDENTIFIER_CATEGORIES: Final[frozenset[str]] = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "Zl", "Zp"})

# Hidden characters that str.isprintable() accepts; everything else flagged is non-printable.
_PRINTABLE_HIDDEN: Final[re.Pattern[str]] = re.compile(
    "[\u3164\u115f\u1160\uffa0\u034f\u17b4\u17b5\u180b-\u180d\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef]"
)

# The only tag sequences RGI emoji use: the England, Scotland and Wales flags. Nothing can hide in them.
_RGI_TAG_FLAG: Final[re.Pattern[str]] = re.compile(
    "\U0001f3f4(?:\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067"
    "|\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074"
    "|\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073)\U000e007f"
)

_MARKER_NAMES: Final[dict[str, str]] = {
    LRE: "LRE", RLE: "RLE", PDF: "PDF", LRO: "LRO", RLO: "RLO",
    LRI: "LRI", RLI: "RLI", FSI: "FSI", PDI: "PDI", LRM: "LRM", RLM: "RLM", ALM: "ALM",
    "\u200b": "ZWSP", ZWNJ: "ZWNJ", ZWJ: "ZWJ", "\u2060": "WJ", "\u00ad": "SHY", "\ufeff": "BOM",
    "\u2061": "FUNC-APP", "\u2062": "INV-TIMES", "\u2063": "INV-SEP", "\u2064": "INV-PLUS",
    "\u180e": "MVS", "\u034f": "CGJ", "\u3164": "HANGUL-FILLER", "\u115f": "HANGUL-CHOSEONG-FILLER",
    "\u1160": "HANGUL-JUNGSEONG-FILLER", "\uffa0": "HALFWIDTH-HANGUL-FILLER",
    "\x00": "NUL", "\x07": "BEL", "\x08": "BS", "\t": "TAB", "\n": "LF", "\x0b": "VT", "\x0c": "FF",
    "\r": "CR", "\x1b": "ESC", "\x7f": "DEL", "\x85": "NEL", "\u2028": "LSEP", "\u2029": "PSEP",
    **{chr(0xFE00 + i): f"VS{i + 1}" for i in range(16)},
    **{chr(0xE0100 + i): f"VS{i + 17}" for i in range(240)},
}  # fmt: skip

_UNNAMED: Final[dict[str, str]] = {
    "Cc": "<control>",
    "Cn": "<unassigned>",
    "Co": "<private use>",
    "Cs": "<surrogate>",
}


def visible_marker(ch: str) -> str:
    """A short ASCII token that stands in for one hidden character, e.g. ``⟪RLO⟫`` or ``⟪U+E0041⟫``."""
    if len(ch) != 1:
        raise ValueError(f"visible_marker() takes one character, not {len(ch)}")
    return f"⟪{_MARKER_NAMES.get(ch) or f'U+{ord(ch):04X}'}⟫"


def _is_hidden(ch: str, identifier: bool) -> bool:
    if ch in BIDI_CONTROLS:
        return True
    if ch in INVISIBLES:
        return identifier or ch not in _SCRIPT_JOINERS
    category = unicodedata.category(ch)
    if identifier:
        return category in _IDENTIFIER_CATEGORIES or ch in _VARIATION_SELECTORS
    if category == "Cc":
        return ch not in _BODY_WHITESPACE
    if category == "Cf":
        return ch not in _SCRIPT_FORMAT
    return category == "Cs"  # lone surrogates (surrogateescape) can't be drawn or encoded


def _exempt_flags(text: str, identifier: bool) -> set[int]:
    if identifier or "\U0001f3f4" not in text:
        return set()
    return {i for m in _RGI_TAG_FLAG.finditer(text) for i in range(m.start() + 1, m.end())}


def _hidden_indices(text: str, identifier: bool) -> list[int]:
    if text.isprintable() and not _PRINTABLE_HIDDEN.search(text):
        return []  # fast path for the usual case, done in C
    exempt = _exempt_flags(text, identifier)
    return [i for i, ch in enumerate(text) if i not in exempt and _is_hidden(ch, identifier)]


def reveal(text: str, *, identifier: bool = False) -> str:
    """Replace bidi controls and invisible characters by visible markers.

    Body mode keeps what real text needs: newlines and tabs, ZWJ/ZWNJ (Urdu, Persian, Indic, emoji
    sequences), variation selectors and the three RGI tag flags. ``identifier=True`` is for handles,
    URLs and file names, where none of that is legitimate and every control or format character shows.
    """
    parts: list[str] = []
    last = 0
    for i in _hidden_indices(text, identifier):
        parts += (text[last:i], visible_marker(text[i]))
        last = i + 1
    return "".join(parts) + text[last:] if parts else text


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "") or _UNNAMED.get(unicodedata.category(ch), "<unnamed>")
    return f"U+{ord(ch):04X} {name}"


def hidden_characters(text: str, *, identifier: bool = False) -> list[tuple[int, str]]:
    """What :func:`reveal` would mark, as ``(index, "U+202E RIGHT-TO-LEFT OVERRIDE")`` pairs for an inspector."""
    return [(i, _describe(text[i])) for i in _hidden_indices(text, identifier)]


_EMBEDDING_PUSHES: Final[frozenset[str]] = frozenset({LRE, RLE, LRO, RLO})
_ISOLATE_PUSHES: Final[frozenset[str]] = frozenset({LRI, RLI, FSI})
_STACK_CONTROLS: Final[re.Pattern[str]] = re.compile(f"[{LRE}-{RLO}{LRI}-{PDI}]")


def neutralise_bidi(text: str) -> str:
    """Balance the bidi embeddings and isolates of text that is shown as-is.

    Unclosed pushes are closed at the end, so the text cannot reorder UI text that follows it. A PDF or PDI
    with nothing of its own to close would close the *surrounding* UI's embedding or isolate, so it is
    replaced by its marker. Balanced controls are kept. Paragraph separators are deliberately not treated
    as resets: QPainter draws a label's newlines as line separators within one bidi paragraph.
    """
    if not _STACK_CONTROLS.search(text):
        return text
    out: list[str] = []
    stack: list[str] = []  # the closer each open push is waiting for, innermost last
    open_isolates = 0
    for ch in text:
        if ch in _EMBEDDING_PUSHES or ch in _ISOLATE_PUSHES:
            stack.append(PDF if ch in _EMBEDDING_PUSHES else PDI)
            open_isolates += ch in _ISOLATE_PUSHES
        elif ch == PDI and open_isolates:
            while stack.pop() != PDI:  # a PDI also closes the embeddings opened inside its isolate
                pass
            open_isolates -= 1
        elif ch == PDI or (ch == PDF and not stack):
            out.append(visible_marker(ch))  # it would close something outside this text
            continue
        elif ch == PDF and stack[-1] == PDF:
            stack.pop()
        out.append(ch)  # a PDF directly inside an isolate is inert (UAX #9 X7) and is kept
    return "".join(out) + "".join(reversed(stack))


def first_strong_direction(text: str) -> Literal["ltr", "rtl"] | None:
    """Direction of the first strong character outside isolates (roughly UAX #9 P2), or None.

    Unlike P2 it does not stop at the first paragraph: a label wants one direction for the whole text.
    """
    depth = 0
    for ch in text:
        if ch in _ISOLATE_PUSHES:
            depth += 1
        elif ch == PDI:
            depth = max(0, depth - 1)
        elif not depth:
            kind = unicodedata.bidirectional(ch)
            if kind == "L":
                return "ltr"
            if kind in ("R", "AL"):
                return "rtl"
    return None


def isolate(text: str) -> str:
    """Wrap an untrusted value in FSI…PDI so it cannot reorder the translated sentence around it.

    Reveal identifiers first (``reveal(name, identifier=True)``); this only guarantees containment.
    """
    return FSI + neutralise_bidi(text) + PDI


def safe_filename(name: str) -> str:
    """Display form of an attachment name: ``invoice\\u202egpj.exe`` shows as ``invoice⟪RLO⟫gpj.exe``."""
    return reveal(name, identifier=True)


def plain_text_for_rich_context(text: str) -> str:
    """Escape a value for the rare label that must be rich text; quotes too, since it may land in an attribute."""
    return html.escape(text, quote=True)


# ---------------------------------------------------------------------------------------------------------
# Links

_ALLOWED_SCHEMES: Final[frozenset[str]] = frozenset({"http", "https"})
_DEFAULT_PORTS: Final[dict[str, int]] = {"http": 80, "https": 443}
_LABEL_SEPARATORS: Final[re.Pattern[str]] = re.compile("[.\u3002\uff0e\uff61]")  # as IDNA splits labels
_ASCII_LABEL: Final[re.Pattern[str]] = re.compile("[a-z0-9_-]{1,63}")
_MAX_HOST = 253
_MAX_REASON = 160

# Common homoglyphs folded to the ASCII letter they imitate (a small subset of UTS #39 confusables).
_HOMOGLYPHS: Final[dict[str, str]] = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ο": "o", "ν": "v", "α": "a", "ι": "i", "κ": "k",
    "ρ": "p", "υ": "u", "ı": "i", "ɑ": "a", "ɡ": "g",
}  # fmt: skip

# Script mixes that UTS #39 "highly restrictive" allows: Japanese, Chinese and Korean with Latin.
_ALLOWED_MIXES: Final[tuple[frozenset[str], ...]] = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_SCRIPT_ALIASES: Final[dict[str, str]] = {"CJK": "HAN", "IDEOGRAPHIC": "HAN", "KATAKANA-HIRAGANA": "KATAKANA"}
_COMMON_PREFIXES: Final[frozenset[str]] = frozenset({"MODIFIER", "COMBINING"})


@dataclass(frozen=True)
class LinkInspection:
    url: str  # the original string, untouched
    scheme: str
    host_unicode: str  # IDNA-decoded host ("" if none)
    host_ascii: str  # punycode/ASCII host ("" if none)
    openable: bool  # only http/https with a host
    reason: str | None  # why not openable
    warnings: tuple[str, ...]  # machine codes, see inspect_link


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name: unicodedata has no Script property."""
    first = unicodedata.name(ch, "").split(" ", 1)[0]
    if not first or first in _COMMON_PREFIXES:
        return None
    return _SCRIPT_ALIASES.get(first, first)


def _mixes_scripts(label: str) -> bool:
    scripts = {_script(ch) for ch in unicodedata.normalize("NFKC", label) if ch.isalpha()} - {None}
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in _ALLOWED_MIXES)


def _skeleton(label: str) -> str:
    folded = unicodedata.normalize("NFKC", label).lower()
    return "".join(_HOMOGLYPHS.get(ch, ch) for ch in folded if not _is_hidden(ch, identifier=True))


def _spoof_warnings(label: str) -> list[str]:
    warnings = ["mixed_scripts"] if _mixes_scripts(label) else []
    if not label.isascii() and _skeleton(label).isascii():
        warnings.append("confusable")  # looks like an ASCII name but is not one
    return warnings


def _require_ascii_label(label: str, original: str) -> None:
    if not _ASCII_LABEL.fullmatch(label):
        raise ValueError(f"invalid host label {original!r}")


def _convert_label(label: str, warnings: list[str]) -> tuple[str, str]:
    """One DNS label as (unicode, ascii). The stdlib codec is IDNA 2003; browsers use UTS #46."""
    if not label:
        raise ValueError("empty label in host name")
    try:
        if label.isascii():
            ascii_label = label.lower()
            _require_ascii_label(ascii_label, label)
            if not ascii_label.startswith("xn--"):
                return ascii_label, ascii_label
            warnings.append("punycode")
            unicode_label = shown = _idna.ToUnicode(ascii_label)
        else:
            ascii_label = _idna.ToASCII(label).decode("ascii")
            _require_ascii_label(ascii_label, label)
            unicode_label, shown = _idna.ToUnicode(ascii_label), label
    except UnicodeError as exc:
        raise ValueError(f"invalid internationalised host label {label!r}") from exc
    if _hidden_indices(
        unicode_label, identifier=True
    ):  # IDNA 2003 lets unassigned and filler letters through
        raise ValueError(f"invisible or unassigned characters in host label {label!r}")
    warnings += _spoof_warnings(shown)
    return unicode_label, ascii_label


def _ends_in_number(ascii_labels: list[str]) -> bool:
    """WHATWG's test for a host that browsers parse as IPv4, e.g. ``2130706433`` or ``0x7f.1``."""
    last = ascii_labels[-1]
    return last.isdigit() or (last.startswith("0x") and all(c in "0123456789abcdef" for c in last[2:]))


def _convert_host(host: str, warnings: list[str]) -> tuple[str, str]:
    if ":" in host:  # urlsplit has already removed the IPv6 brackets
        ipaddress.ip_address(host)
        warnings.append("ip_address")
        return host, host
    labels = _LABEL_SEPARATORS.split(host)
    trailing = "." if len(labels) > 1 and not labels[-1] else ""  # a fully qualified name
    converted = [_convert_label(label, warnings) for label in (labels[:-1] if trailing else labels)]
    host_ascii = ".".join(a for _, a in converted) + trailing
    if len(host_ascii) > _MAX_HOST:
        raise ValueError(f"host name is longer than {_MAX_HOST} characters")
    if _ends_in_number([a for _, a in converted]):
        warnings.append("ip_address")
    return ".".join(u for u, _ in converted) + trailing, host_ascii


def _check_raw(text: str, parts: SplitResult) -> None:
    """Refuse what browsers would silently reinterpret, so the host we show is the host they open."""
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in text):
        raise ValueError("whitespace or control characters inside the URL")
    if "\\" in parts.netloc:
        raise ValueError("backslash in the host part")  # browsers read it as '/', urllib does not


def _scheme_refusal(scheme: str) -> str | None:
    if not scheme:
        return "no scheme (relative or empty URL)"
    return None if scheme in _ALLOWED_SCHEMES else f"scheme '{scheme}' is not allowed"


def _malformed(exc: ValueError) -> str:
    detail = reveal(str(exc), identifier=True)  # the message may quote hostile text
    if len(detail) > _MAX_REASON:
        cut = detail[:_MAX_REASON]
        if cut.rfind("⟪") > cut.rfind("⟫"):  # don't leave half a marker
            cut = cut[: cut.rfind("⟪")]
        detail = cut + "…"
    return "malformed URL: " + detail


def _refused(url: str, scheme: str, reason: str, warnings: list[str]) -> LinkInspection:
    return LinkInspection(url, scheme, "", "", False, reason, tuple(dict.fromkeys(warnings)))


def inspect_link(url: str) -> LinkInspection:
    """Decide whether a link may be offered for opening, and what to warn the analyst about.

    Warning codes: ``mixed_scripts``, ``confusable``, ``punycode``, ``ip_address``, ``userinfo``,
    ``hidden_characters``, ``non_standard_port``. Never raises: malformed input is refused with a reason.
    """
    warnings = ["hidden_characters"] if hidden_characters(url, identifier=True) else []
    text = url.strip()
    scheme = ""
    try:
        parts = urlsplit(text)
        scheme = parts.scheme
        port, host = parts.port, parts.hostname or ""  # .port validates the port
        _check_raw(text, parts)
        host_unicode, host_ascii = _convert_host(host, warnings) if host else ("", "")
    except ValueError as exc:  # urllib and the idna codec (UnicodeError) raise only ValueError
        return _refused(url, scheme, _malformed(exc), warnings)
    if "@" in parts.netloc:
        warnings.append("userinfo")  # https://trusted.test@evil.test/ goes to evil.test
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        warnings.append("non_standard_port")
    reason = _scheme_refusal(scheme) or (None if host else "no host")
    return LinkInspection(
        url, scheme, host_unicode, host_ascii, reason is None, reason, tuple(dict.fromkeys(warnings))
    )
