"""A brand's Content DNA and the check that it is complete enough for Toby to work from."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class InvalidContentDNA(ValueError):
    """Toby refuses to work for a brand whose Content DNA is empty or malformed."""


@dataclass(frozen=True)
class ContentDNA:
    niche: str
    tone: str
    topic_buckets: tuple[str, ...]
    content_examples: tuple[str, ...]


# What a template's blanks look like ("...", "…", "TODO", "<niche>"): posts written from them read
# "Why Experts Say ... Matters", so they are refused like an empty field.
_PLACEHOLDER = re.compile(r"^\s*(?:[.\u2026\s]+|todo|tbd|xxx+|fill me in|<[^>]*>)\s*$", re.I)


def is_placeholder(text: str) -> bool:
    return bool(_PLACEHOLDER.match(text))


def _placeholder(brand: str, field: str, value: str) -> InvalidContentDNA:
    return InvalidContentDNA(
        f"brand {brand!r}: Content DNA field '{field}' is a placeholder ({value!r}); write the"
        " brand's own (see examples/dna.json)"
    )


def _text(brand: str, raw: Mapping[str, Any], field: str) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        raise InvalidContentDNA(
            f"brand {brand!r}: Content DNA field '{field}' is missing or empty (got {value!r})"
        )
    if is_placeholder(value):
        raise _placeholder(brand, field, value)
    return value.strip()


def _text_list(brand: str, raw: Mapping[str, Any], field: str) -> tuple[str, ...]:
    value = raw.get(field)
    if not isinstance(value, list | tuple) or not value:
        raise InvalidContentDNA(
            f"brand {brand!r}: Content DNA field '{field}' must be a non-empty list (got {value!r})"
        )
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise InvalidContentDNA(
                f"brand {brand!r}: Content DNA field '{field}[{index}]' must be non-empty text "
                f"(got {item!r})"
            )
        if is_placeholder(item):
            raise _placeholder(brand, f"{field}[{index}]", item)
        items.append(item.strip())
    if len(set(items)) != len(items):
        raise InvalidContentDNA(f"brand {brand!r}: Content DNA field '{field}' has duplicates")
    return tuple(items)


def validate_content_dna(brand: str, raw: Mapping[str, Any]) -> ContentDNA:
    """The Content DNA, or InvalidContentDNA naming the first missing or bad field."""
    return ContentDNA(
        niche=_text(brand, raw, "niche"),
        tone=_text(brand, raw, "tone"),
        topic_buckets=_text_list(brand, raw, "topic_buckets"),
        content_examples=_text_list(brand, raw, "content_examples"),
    )


TEXT_FIELDS = ("niche", "tone")
LIST_FIELDS = ("topic_buckets", "content_examples")


def check_content_dna_kinds(brand: str, raw: Any) -> None:
    """A possibly incomplete Content DNA whose present fields are each of the right kind: text
    for niche and tone, lists of text for topic buckets and examples (a string there would be
    read letter by letter)."""
    if not isinstance(raw, Mapping):
        raise InvalidContentDNA(
            f"brand {brand!r}: Content DNA must be a JSON object, got a {type(raw).__name__}"
        )
    for field in TEXT_FIELDS:
        value = raw.get(field)
        if value is not None and not isinstance(value, str):
            raise InvalidContentDNA(
                f"brand {brand!r}: Content DNA field '{field}' must be text, got {value!r}"
            )
        if value and is_placeholder(value):
            raise _placeholder(brand, field, value)
    for field in LIST_FIELDS:
        value = raw.get(field)
        if value is None:
            continue
        if not isinstance(value, list):
            raise InvalidContentDNA(
                f"brand {brand!r}: Content DNA field '{field}' must be a list of text,"
                f" got {value!r}"
            )
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise InvalidContentDNA(
                    f"brand {brand!r}: Content DNA field '{field}[{index}]' must be text,"
                    f" got {item!r}"
                )
            if is_placeholder(item):
                raise _placeholder(brand, f"{field}[{index}]", item)
