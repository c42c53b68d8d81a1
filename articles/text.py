"""How words are compared: one normal form for search terms and the editors' synonyms."""

import re

WORD = re.compile(r"\w+")


def normalise_words(text: str) -> str:
    """Lower-case words separated by single spaces: how every term is compared."""
    return " ".join(WORD.findall(text.casefold()))
