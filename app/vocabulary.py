"""The base of every status or stage vocabulary: a `StrEnum` whose members carry a label for
people, an order (their place in the declaration) and whether they are still waiting."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

# Every vocabulary by class name, filled as each is defined in its owning package: the template
# globals come from here, so the web layer lists no feature.
VOCABULARIES: dict[str, type[Vocabulary]] = {}


class Vocabulary(StrEnum):
    """Members are declared as `NAME = "value", "Label"` or `NAME = "value", "Label", True`
    (waiting: not an end, something more is still to happen). The value is what the database
    stores and its CHECK constraint allows."""

    label: str
    waiting: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        VOCABULARIES[cls.__name__] = cls

    def __new__(cls, value: str, label: str = "", waiting: bool = False) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        member.waiting = waiting
        return member

    @property
    def order(self) -> int:
        """The member's place in the declaration, from 0: how lists and filters sort it."""
        return list(type(self)).index(self)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls)

    @classmethod
    def waiting_values(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls if m.waiting)

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {m.value: m.label for m in cls}
