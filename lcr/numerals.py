"""Chinese numerals as judgments and lawyers write them: 三百零三, 十七, 二〇一八, full-width digits."""

from __future__ import annotations

from lcr.errors import BadInput

_DIGITS = {
    ch: value
    for value, chars in enumerate(("零〇○", "一", "二两", "三", "四", "五", "六", "七", "八", "九"))
    for ch in chars
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "0-9０-９零〇○一二两三四五六七八九十百千"
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def cn_numeral_to_int(s: str) -> int:
    """``"三百零三"`` -> 303, ``"十七"`` -> 17, ``"二〇一八"`` -> 2018, ``"133"`` / ``"１３３"`` -> 133."""
    s = s.strip().translate(_FULLWIDTH)
    if s.isdigit():
        return int(s)
    if not s or any(ch not in _DIGITS and ch not in _UNITS and ch != "万" for ch in s):
        raise BadInput(f"not a Chinese numeral: {s!r}")
    if "万" in s:
        high, _, low = s.partition("万")
        return (cn_numeral_to_int(high) if high else 1) * 10000 + (cn_numeral_to_int(low) if low else 0)
    if not any(ch in _UNITS for ch in s):  # digit by digit, as in 二〇一八
        return int("".join(str(_DIGITS[ch]) for ch in s))
    total, digit, last_unit = 0, None, 10**4
    for ch in s:
        if ch in _DIGITS:
            if digit:  # two digits in a row, only 零 may precede a digit
                raise BadInput(f"not a Chinese numeral: {s!r}")
            digit = _DIGITS[ch]
        elif _UNITS[ch] < last_unit:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit, last_unit = None, _UNITS[ch]
        else:  # units must decrease: 二百三百十四 is a typo, not 514
            raise BadInput(f"not a Chinese numeral: {s!r}")
    return total + (digit or 0)


def int_to_cn(n: int) -> str:
    """``133`` -> ``"一百三十三"``, ``10`` -> ``"十"``, ``105`` -> ``"一百零五"`` (0 <= n < 10000), as statutes
    number their articles."""
    if not 0 <= n < 10_000:
        raise BadInput(f"cannot write {n} as an article numeral")
    if n == 0:
        return "零"
    digits = "零一二三四五六七八九"
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if d:
            if zero:
                out += "零"
            out += ("" if (unit == 10 and d == 1 and not out) else digits[d]) + name
            zero = False
        elif out:
            zero = True
    return out
