"""Primitive strategies (ids, words, dates, decimals, instants) and small helpers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TypeVar

from hypothesis import strategies as st

T = TypeVar("T")
Draw = st.DrawFn

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-"
_WORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789éñüçß'.,&/-"
_ZONES = (UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30)))

ids = st.text(_ID_ALPHABET, min_size=1, max_size=12)
words = st.text(_WORD_ALPHABET, min_size=1, max_size=10)
texts = st.lists(words, min_size=1, max_size=5).map(" ".join)
dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))
amounts = st.decimals(
    min_value=Decimal(-100_000), max_value=Decimal(100_000), places=2, allow_nan=False
)
instants = st.builds(
    lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    st.sampled_from(_ZONES),
)


def maybe(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def ref(known: Sequence[str]) -> st.SearchStrategy[str | None]:
    return maybe(st.sampled_from(known)) if known else st.none()


def refs(known: Sequence[str]) -> st.SearchStrategy[tuple[str, ...]]:
    if not known:
        return st.just(())
    return st.lists(st.sampled_from(known), unique=True, max_size=2).map(tuple)


def unique_ids(draw: Draw, max_items: int, *, min_size: int = 0) -> list[str]:
    return draw(st.lists(ids, unique=True, min_size=min_size, max_size=max_items))


def after(draw: Draw, start: date, max_days: int = 400) -> date:
    return start + timedelta(days=draw(st.integers(0, max_days)))
