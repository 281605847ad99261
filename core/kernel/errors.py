"""Errors raised by core service functions.

Every error carries a message written for the person using Slack or the CLI, and where it
concerns one input, the field it is about, so a modal can show it under that field.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?)”" else text + "."


class MemberbotError(Exception):
    """Base of every error core raises on purpose; `message` is safe to show to users."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(MemberbotError):
    """One or more inputs are wrong; `errors` lists each with its field (or path)."""

    def __init__(self, errors: list[FieldError]) -> None:
        if not errors:
            raise ValueError("InvalidInput needs at least one error")
        first = errors[0]
        # Said in words only: the field names ("lines.1.quantity") are for forms and logs, not readers.
        message = first.message if len(errors) == 1 else " ".join(_sentence(e.message) for e in errors)
        super().__init__(message, first.field)
        self.errors = list(errors)

    @classmethod
    def single(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])


class BadFile(InvalidInput):
    """A file as a whole cannot be read (not text, broken CSV quoting, broken YAML): nothing of
    it is used. `line` is where the problem is, when it is somewhere; the caller names the file."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__([FieldError("file", f"Line {line}: {message}" if line else message)])
        self.line = line
        self.problem = message


class NotFound(MemberbotError):
    """The thing asked for does not exist in this workspace."""


class PermissionDenied(MemberbotError):
    """The actor's role does not allow the action."""


class Conflict(MemberbotError):
    """The request contradicts the current state (duplicate name, wrong lifecycle state, ...)."""


class ImmutableField(Conflict):
    """A term already sold to customers cannot change; the way out is to clone the plan."""


class Errors:
    """Collects field errors so a whole form (or file) is reported at once, not one error at a time."""

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self.items: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldError(f"{self._prefix}{field}", message))

    def extend(self, errors: list[FieldError], prefix: str = "") -> None:
        self.items.extend(FieldError(f"{self._prefix}{prefix}{e.field}", e.message) for e in errors)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidInput(self.items)
