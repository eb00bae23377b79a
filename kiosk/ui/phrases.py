"""Japanese line breaks between phrases (文節), never inside a word.

Qt may break Japanese text between any two characters (入力し／てください). BudouX
(a small machine-learned phrase splitter, pure Python) finds the phrases; inside a
phrase every character is tied to the next by WORD JOINER (U+2060, no break, no width)
and phrases are separated by ZERO WIDTH SPACE (U+200B, a break opportunity). Text with
no Japanese in it is left alone (English breaks at spaces anyway).
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD_JOINER, BREAK = "\u2060", "\u200b"
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


@lru_cache(maxsize=1)
def _parser():
    import budoux

    return budoux.load_default_japanese_parser()


def phrases(text: str) -> list[str]:
    """BudouX's phrases of one line of Japanese text (the whole text when it has none)."""
    if not _JAPANESE.search(text):
        return [text]
    return _parser().parse(text)


@lru_cache(maxsize=2048)
def breakable(text: str) -> str:
    """`text` with breaks allowed only between phrases (and at line ends it already has)."""
    if not _JAPANESE.search(text):
        return text
    return "\n".join(BREAK.join(WORD_JOINER.join(p) for p in phrases(line)) for line in text.split("\n"))


def plain(text: str) -> str:
    """The text without the marks `breakable` added."""
    return text.replace(WORD_JOINER, "").replace(BREAK, "")
