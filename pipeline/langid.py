"""Which language a subtitle text is in, when nothing else says: its script, then its function words and the
letters only one language uses (all from the `profiles` table). Pure.
"""

from __future__ import annotations

import re

from pipeline.profiles import ARABIC_LETTERS, LANGUAGES


def guess_language(text: str) -> str:
    """The language of subtitle text from its script, then from its function words."""
    arabic = len(re.findall(f"[{ARABIC_LETTERS}]", text))
    latin = len(re.findall("[A-Za-z\u00c0-\u024f]", text))
    if arabic > latin:
        return "ar"
    words = re.findall(r"[^\W\d_]+'?", text.lower())
    scores = {code: sum(w in lg.no_break_after or w in lg.break_before for w in words)
              for code, lg in LANGUAGES.items() if not lg.rtl}
    for code, lg in LANGUAGES.items():  # letters only one language uses weigh more than function words
        if code in scores:
            scores[code] += 2 * sum(ch in lg.telltale_letters for ch in text.lower())
    return max(sorted(scores), key=lambda code: scores[code]) if any(scores.values()) else "en"
