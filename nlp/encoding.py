"""Turning raw page bytes into clean Vietnamese text: charset detection, mojibake repair, legacy
Vietnamese encodings (Windows-1258, TCVN3/ABC, VNI), entities and NFC.

Old provincial portals still serve pages whose declared charset is wrong, pages saved double-encoded
(UTF-8 read as Latin-1 and saved again), and pages typed in legacy font encodings. We decode every
plausible way, score each result for "looks like Vietnamese", keep the best and record in flags what
was done, so nothing garbled is stored silently.
"""
from __future__ import annotations

import codecs
import html
import re
import unicodedata
from dataclasses import dataclass, field

from ftfy.badness import is_bad

from nlp.sanitize import clean_web_text

# TCVN 5712 (VN1, a superset of the TCVN3/ABC font layout) bytes 0x80..0xFF, from glibc iconv.
_TCVN_HIGH = "À\u1ea2ÃÁ\u1ea0\u1eb6\u1eacÈ\u1eba\u1ebcÉ\u1eb8\u1ec6Ì\u1ec8ĨÍ\u1ecaÒ\u1eceÕÓ\u1ecc\u1ed8\u1edc\u1ede\u1ee0\u1eda\u1ee2Ù\u1ee6Ũ\u00a0ĂÂÊÔƠƯĐăâêôơưđ\u1eb0\u0300\u0309\u0303\u0301\u0323à\u1ea3ãá\u1ea1\u1eb2\u1eb1\u1eb3\u1eb5\u1eaf\u1eb4\u1eae\u1ea6\u1ea8\u1eaa\u1ea4\u1ec0\u1eb7\u1ea7\u1ea9\u1eab\u1ea5\u1eadè\u1ec2\u1ebb\u1ebdé\u1eb9\u1ec1\u1ec3\u1ec5\u1ebf\u1ec7ì\u1ec9\u1ec4\u1ebe\u1ed2ĩí\u1ecbò\u1ed4\u1ecfõó\u1ecd\u1ed3\u1ed5\u1ed7\u1ed1\u1ed9\u1edd\u1edf\u1ee1\u1edb\u1ee3ù\u1ed6\u1ee7ũú\u1ee5\u1eeb\u1eed\u1eef\u1ee9\u1ef1\u1ef3\u1ef7\u1ef9ý\u1ef5\u1ed0"
assert len(_TCVN_HIGH) == 128
_TCVN_TABLE = {0x80 + i: c for i, c in enumerate(_TCVN_HIGH)}

_VIET_MARKS = {0x0300, 0x0301, 0x0303, 0x0309, 0x0323, 0x0302, 0x0306, 0x031B}


def _viet_letters() -> frozenset[str]:
    """Precomposed letters with Vietnamese diacritics (plus đ/Đ): the signal of Vietnamese text."""
    out = {"đ", "Đ"}
    for cp in list(range(0xC0, 0x1B0)) + list(range(0x1EA0, 0x1EFA)):
        ch = chr(cp)
        d = unicodedata.normalize("NFD", ch)
        if len(d) > 1 and d[0].isascii() and d[0].isalpha() and all(ord(m) in _VIET_MARKS for m in d[1:]):
            out.add(ch)
    return frozenset(out)


VIET_LETTERS = _viet_letters()
# Characters that do not occur in Vietnamese prose but do in mojibake and misread legacy encodings.
SUSPICIOUS = frozenset(
    [chr(c) for c in range(0x80, 0xA0)]
    + list("¡¢£¤¥¦§¨ª¬®¯±²³´µ¶·¸¹º¼½¾¿")
    + list("ÄÅÆÇËÎÏÐÑÖ×ØÛÜÞßäåæçëîïðñöøûüþÿ")
    + list("ƒˆ‰Š‹ŒŽ˜™š›œžŸ\ufffd")
)
_TAGS = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]+>")
_META_CHARSET = re.compile(rb"""(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_\-:.]+)""")


@dataclass
class Decoded:
    text: str
    encoding: str
    flags: list[str] = field(default_factory=list)


_TONES = {0x0300, 0x0301, 0x0303, 0x0309, 0x0323}
_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x)?"
    r"[aăâeêioôơuưy]{1,3}(ch|ng|nh|c|m|n|p|t)?$")
_WORD = re.compile(r"[^\W\d_]+")


def _valid_syllable(tok: str) -> bool:
    """Whether a lower-case token is a well-formed Vietnamese syllable (one tone at most)."""
    d = unicodedata.normalize("NFD", tok)
    tones = sum(1 for ch in d if ord(ch) in _TONES)
    if tones > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(ch for ch in d if ord(ch) not in _TONES))
    return bool(_SYLLABLE.match(base))


def viet_score(text: str, limit: int = 30000) -> float:
    """How much a text reads like Vietnamese: well-formed accented syllables minus broken accented
    tokens minus (weighted) suspicious characters, per word. Mojibake and misread legacy encodings
    score low or negative; clean Vietnamese scores well above 0.1."""
    text = text[:limit]
    good = bad = words = 0
    for m in _WORD.finditer(text):
        tok = m.group(0)
        words += 1
        if tok.isascii():
            continue
        if _valid_syllable(tok.lower()):
            good += 1
        else:
            bad += 1
    susp = sum(1 for ch in text if ch in SUSPICIOUS)
    return (good - 2 * bad - 3 * susp) / max(words, 1)


def _good_syllables(text: str) -> tuple[int, int]:
    """(well-formed accented syllables of two letters or more, words) of a text: a lone "ì" or "ý"
    is as likely a misread symbol ("×") as a word."""
    words = [m.group(0) for m in _WORD.finditer(text)]
    return sum(1 for w in words if len(w) > 1 and not w.isascii() and _valid_syllable(w.lower())), len(words)


def good_vietnamese(text: str, limit: int = 30000, min_good: int = 20) -> bool:
    """Strong evidence that a text is readable Vietnamese as it stands: at least min_good well-formed
    accented syllables, more than twice the broken accented tokens and odd characters together (a
    German or Spanish line adds a few of those; a page of mojibake or misread legacy text is full of them)."""
    text = text[:limit]
    good = bad = 0
    for m in _WORD.finditer(text):
        tok = m.group(0)
        if tok.isascii():
            continue
        if len(tok) > 1 and _valid_syllable(tok.lower()):
            good += 1
        else:
            bad += 1
    odd = sum(1 for ch in text if ch in SUSPICIOUS)  # mojibake splits into valid-looking pieces ("Há»™i")
    return good >= min_good and good > 2 * (bad + odd)


_SUSPICIOUS_CHAR = re.compile("[" + "".join(re.escape(c) for c in sorted(SUSPICIOUS)) + "]")


def suspicious_ratio(text: str) -> float:
    """Share of SUSPICIOUS characters among letters. Counted in C (str.isalpha mapped, one regex):
    the same numbers as a loop over characters at half the cost, on every page decoded."""
    letters = sum(map(str.isalpha, text)) or 1
    return len(_SUSPICIOUS_CHAR.findall(text)) / letters


def visible_text(markup: str) -> str:
    """Rough visible text of HTML (for scoring only): scripts, styles, comments and tags removed."""
    return html.unescape(_TAGS.sub(" ", markup))


def tcvn3_decode(data: bytes) -> str:
    """Bytes typed in the TCVN3 (ABC) font encoding to Unicode."""
    return "".join(_TCVN_TABLE.get(b, chr(b)) for b in data)


def _vni_table() -> dict[str, str]:
    """VNI-Windows: a base letter followed by one accent character (a few letters are single bytes)."""
    tones_lower = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
    hat_lower = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
    breve_lower = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
    i_lower = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}
    table: dict[str, str] = {}
    for upper in (False, True):
        def cv(s: str, upper: bool = upper) -> str:
            return s.upper() if upper else s
        for tone in ["", *tones_lower]:
            for base in "aeouy":
                if tone:
                    table[cv(base) + cv(tones_lower[tone])] = unicodedata.normalize("NFC", cv(base) + tone)
            for base in "aeo":  # circumflex
                table[cv(base) + cv(hat_lower[tone])] = unicodedata.normalize("NFC", cv(base) + "\u0302" + tone)
            table[cv("a") + cv(breve_lower[tone])] = unicodedata.normalize("NFC", cv("a") + "\u0306" + tone)
            for base, vni in (("o", "ô"), ("u", "ö")):  # horn letters are single VNI characters
                table[cv(vni) + (cv(tones_lower[tone]) if tone else "")] = unicodedata.normalize(
                    "NFC", cv(base) + "\u031b" + tone)
            if tone:
                table[cv(i_lower[tone])] = unicodedata.normalize("NFC", cv("i") + tone)
        table[cv("ñ")] = cv("đ")
        table[cv("î")] = cv("ỵ")
    return table


_VNI = _vni_table()
_VNI_RE = re.compile("|".join(sorted(map(re.escape, _VNI), key=len, reverse=True)))


def vni_decode(text: str) -> str:
    """Text typed in the VNI font encoding (read as Windows-1252) to Unicode."""
    return _VNI_RE.sub(lambda m: _VNI[m.group(0)], text)


def _to_bytes_1252(text: str) -> bytes | None:
    """Re-encode a string that was mis-decoded as Windows-1252/Latin-1 back to its bytes."""
    out = bytearray()
    for ch in text:
        o = ord(ch)
        if o < 0x100:
            out.append(o)
        else:
            try:
                out += ch.encode("cp1252")
            except UnicodeEncodeError:
                return None
    return bytes(out)


_CP1252_SPECIALS = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
# a "word" of Windows-1252 characters: mojibake never spans ASCII spaces or tags (U+00A0 it may)
_CP1252_RUN = re.compile(f"(?:[\\x21-\\x3b\\x3d\\x3f-\\xff]|[{_CP1252_SPECIALS}])+")


def _plausible_repair(before: str, after: str) -> bool:
    """Strong evidence that `after` is what `before` was meant to say: ftfy's own rules call `before`
    mojibake, or the repair gives Vietnamese letters; and the repair holds no control character and
    no letter of another script (a clean "×”" re-encodes as valid UTF-8 too: Hebrew "ה")."""
    for ch in after:
        o = ord(ch)
        if o < 0x80:
            if o < 0x20 and ch not in "\t\n\r":
                return False
            continue
        if 0x80 <= o < 0xA0 or ch == "\ufffd":
            return False
        if o >= 0x250 and not (0x1EA0 <= o <= 0x1EF9 or 0x2000 <= o <= 0x214F or 0x300 <= o <= 0x36F):
            return False
    if is_bad(before):
        return True
    return any(ch in VIET_LETTERS for ch in after if ch not in before)


def _repair_segments(text: str) -> str:
    """Mojibake inside otherwise good Unicode: re-decode each non-ASCII Windows-1252 word that is
    valid UTF-8 as bytes (Latin-1 Vietnamese words like "Tôi" never are), when that is plausible."""
    def fix(m: re.Match) -> str:
        seg = m.group(0)
        if seg.isascii():
            return seg
        raw = _to_bytes_1252(seg)
        if raw is None:
            return seg
        try:
            out = raw.decode("utf-8")
        except UnicodeDecodeError:
            return seg
        return out if _plausible_repair(seg, out) else seg
    return _CP1252_RUN.sub(fix, text)


def repair_mojibake(text: str) -> str | None:
    """Undo UTF-8-read-as-Latin-1/Windows-1252 (possibly twice); None when it is not that."""
    best = None
    cur = text
    for _ in range(2):
        raw = _to_bytes_1252(cur)
        if raw is None:
            break
        try:
            nxt = raw.decode("utf-8")
        except UnicodeDecodeError:
            break
        if nxt == cur:
            break
        best = cur = nxt
    if best is not None and not _plausible_repair(text, best):
        best = None  # a clean run such as "×”" re-encodes as valid UTF-8 too: not evidence enough
    if best is None:
        seg = _repair_segments(text)
        if seg != text:
            return seg
        try:
            import ftfy
            fixed = ftfy.fix_encoding(text)
        except Exception:  # noqa: BLE001 - ftfy is best effort
            return None
        return fixed if fixed != text else None
    return best


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    alias = {"windows-1258": "cp1258", "x-viet-tcvn5712": "tcvn3", "tcvn": "tcvn3", "tcvn3": "tcvn3",
             "tcvn5712": "tcvn3", "vni": "vni", "x-user-defined": "cp1252"}
    if name in alias:
        return alias[name]
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # unknown, or junk such as a NUL in the charset name
        return None


def declared_charset(body: bytes, headers: dict | None = None) -> str | None:
    """The charset the server (Content-Type) or the page (<meta>) claims, normalised to a codec name."""
    for k, v in (headers or {}).items():
        if str(k).lower() == "content-type":
            m = re.search(r"charset\s*=\s*([^\s;]+)", str(v), re.I)
            if m and _codec(m.group(1)):
                return _codec(m.group(1))
    m = _META_CHARSET.search(body[:8192])
    if m:
        return _codec(m.group(1).decode("ascii", "replace"))
    return None


_FLAG_OF = {"cp1258": "legacy-encoding:windows-1258", "tcvn3": "legacy-encoding:tcvn3",
            "vni": "legacy-encoding:vni"}


def _decode_as(body: bytes, codec: str) -> str | None:
    if codec == "tcvn3":
        return tcvn3_decode(body)
    if codec == "vni":
        return vni_decode(body.decode("cp1252", "replace"))
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_body(body: bytes | str, headers: dict | None = None) -> Decoded:
    """Decode a page as well as it can be and say how (flags).

    Tries UTF-8, the declared charset, Windows-1258, TCVN3 and VNI, each with and without mojibake
    repair, and keeps the one that reads most like Vietnamese. Ties go to the declared/UTF-8 reading.
    """
    flags: list[str] = []
    if isinstance(body, str):
        cands = [("str", body)]
        declared = None
    else:
        declared = declared_charset(body, headers)
        order = ["utf-8"] + ([declared] if declared and declared != "utf-8" else []) + [
            c for c in ("cp1258", "tcvn3", "vni", "cp1252") if c != declared]
        cands = []
        for codec in order:
            t = _decode_as(body, codec)
            if t is not None:
                cands.append((codec, t))
            if codec == "utf-8" and t is not None:
                vis = visible_text(t)
                # clean UTF-8 (the common case), or valid UTF-8 with good Vietnamese: never re-read as a
                # whole; a block that is broken (a pasted legacy-font paragraph) is repaired on its own
                if suspicious_ratio(vis) < 0.002 or good_vietnamese(vis) or not is_bad(vis[:30000]):
                    if declared and declared not in ("utf-8", "ascii"):
                        flags.append("charset-mismatch")
                    nfc = unicodedata.normalize("NFC", t)
                    if nfc != t:
                        flags.append("nfc-normalised")
                    if suspicious_ratio(vis) >= 0.002:
                        nfc, fixed = _repair_runs(nfc)
                        flags += fixed
                    return Decoded(nfc, "utf-8", flags)
    best: tuple[float, float, str, str, bool | str] | None = None
    fallback: tuple[float, float, str, str, bool | str] | None = None
    nfc_changed = False
    for rank, (codec, text) in enumerate(cands):
        variants: list[tuple[str, bool | str]] = [(text, False)]
        if codec in ("utf-8", "str", "cp1252") or codec == declared:
            fixed = repair_mojibake(text)
            if fixed:
                variants.append((fixed, True))
        if codec in ("utf-8", "str"):
            # legacy font text saved as Unicode: the page shows Latin-1 glyphs of TCVN3/VNI bytes
            raw = _to_bytes_1252(text)
            if raw is not None:
                variants.append((tcvn3_decode(raw), "tcvn3"))
            variants.append((vni_decode(text), "vni"))
        for t0, repaired in variants:
            t = unicodedata.normalize("NFC", t0)
            if t != t0 and codec in ("utf-8", "str") and not repaired:
                nfc_changed = True
            vis = visible_text(t)
            # a legacy or repaired reading of the whole page needs strong evidence (good Vietnamese)
            weak = (repaired or (codec in _FLAG_OF and codec != declared)) and not good_vietnamese(vis, min_good=5)
            s = viet_score(vis)
            key = (s, -rank - (0.5 if repaired else 0))  # ties: the plain, earlier (declared) reading
            if weak:
                if fallback is None or key > (fallback[0], fallback[1]):
                    fallback = (s, key[1], codec, t, repaired)
            elif best is None or key > (best[0], best[1]):
                best = (s, key[1], codec, t, repaired)
    best = best or fallback  # nothing reads well: the best of the weak readings, flagged below
    assert best is not None
    score, _, codec, text, repaired = best
    if repaired in ("tcvn3", "vni"):
        codec, repaired = f"{codec}+{repaired}", False
        flags.append(_FLAG_OF[codec.split("+")[1]])
    if repaired:
        flags.append("mojibake-repaired")
    if nfc_changed and codec in ("utf-8", "str") and not repaired:
        flags.append("nfc-normalised")
    if codec in _FLAG_OF:
        flags.append(_FLAG_OF[codec])
    base = codec.split("+")[0]
    if declared and base not in ("str", declared) and not (declared == "ascii" and base == "utf-8"):
        flags.append("charset-mismatch")
    if suspicious_ratio(visible_text(text)) > 0.002:
        text, fixed = _repair_runs(text)
        if fixed:
            flags += fixed
            score = viet_score(visible_text(text))
    if suspicious_ratio(visible_text(text)) > 0.02 or score < 0:
        flags.append("garbled-text")
    return Decoded(text, "utf-8" if codec == "str" else codec, list(dict.fromkeys(flags)))


_TEXT_RUN = re.compile(r">([^<>]*[\u0080-\u00ff][^<>]*)<")


def _repair_runs(markup: str) -> tuple[str, list[str]]:
    """Pages mixing a Unicode template with legacy-font or double-encoded text: repair each text
    run between tags on its own, keeping a reading only when it reads better as Vietnamese."""
    used: set[str] = set()

    def fix(m: re.Match) -> str:
        run = m.group(1)
        if not any(ch in SUSPICIOUS for ch in run):
            return m.group(0)
        best, best_score, how = run, viet_score(html.unescape(run)), None
        raw = _to_bytes_1252(run)
        cands = [(repair_mojibake(run), "mojibake-repaired"), (vni_decode(run), "legacy-encoding:vni")]
        if raw is not None:
            cands.append((tcvn3_decode(raw), "legacy-encoding:tcvn3"))
        susp = sum(1 for ch in run if ch in SUSPICIOUS)
        for cand, flag in cands:
            if cand and cand != run:
                sc = viet_score(html.unescape(cand))
                # strong evidence only: clearly more Vietnamese, and most odd characters gone
                left = sum(1 for ch in cand if ch in SUSPICIOUS)
                good, words = _good_syllables(html.unescape(cand))
                if sc > best_score + 0.2 and sc >= 0.3 and left * 4 <= susp and good >= 2 \
                        and good - _good_syllables(html.unescape(run))[0] >= 2 and good >= 0.4 * words:
                    best, best_score, how = cand, sc, flag
        if how:
            used.add(how)
        return ">" + unicodedata.normalize("NFC", best) + "<"

    out = _TEXT_RUN.sub(fix, markup)
    return out, (sorted(used) + ["mixed-encoding"]) if used else []


def normalise_text(text: str) -> tuple[str, bool]:
    """Entities unescaped, NBSP to space, controls/bidi/zero-width removed (nlp.sanitize, after the
    unescape, since `&#x202e;` is one too), Unicode NFC; says whether NFC changed anything."""
    text = clean_web_text(html.unescape(text)).replace("\u00a0", " ")
    nfc = unicodedata.normalize("NFC", text)
    return nfc, nfc != text
