"""Safe accessors for webhook JSON, whose shape we do not control."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import TypeVar, cast

T = TypeVar("T")


def get_path(data: object, *keys: str | int, type: builtins.type[T]) -> T | None:
    """Follow `keys` (str for objects, int for arrays) and return the value if it is a `type`.

    A missing key, wrong container, out-of-range index or wrong leaf type gives None,
    so handlers never KeyError on a payload shaped differently from the docs. A string
    comes back encodable: JSON may carry a lone surrogate (`"\\udfff"`) that no database,
    log or UTF-8 output can take, and it becomes "?".
    """
    current = data
    for key in keys:
        if isinstance(key, str):
            if not isinstance(current, Mapping):
                return None
            current = current.get(key)
        else:
            if not isinstance(current, list) or not -len(current) <= key < len(current):
                return None
            current = current[key]
    # bool is a subclass of int in Python; JSON `true` is not a number.
    if isinstance(current, bool) and type is not bool:
        return None
    if isinstance(current, str) and type is str:
        return cast(T, current.encode("utf-8", "replace").decode("utf-8"))
    if isinstance(current, type):
        return current
    return None


def get_mapping(data: object, *keys: str | int) -> Mapping[str, object] | None:
    """Like `get_path`, for a JSON object."""
    value: Mapping[str, object] | None = get_path(data, *keys, type=dict)
    return value


def get_list(data: object, *keys: str | int) -> Sequence[object] | None:
    """Like `get_path`, for a JSON array."""
    value: Sequence[object] | None = get_path(data, *keys, type=list)
    return value
