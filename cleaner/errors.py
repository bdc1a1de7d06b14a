"""Errors that belong to one document: the batch records them and goes on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DocumentError(Exception):
    """A document that cannot be processed; `kind` is a stable machine-readable category."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class RulePackError(ValueError):
    """A rule pack that is invalid: bad schema, a regex the linear-time engine refuses, a failing example."""


@dataclass
class ErrorRecord:
    """One line of the error report: which input failed, how, and why."""

    id: str
    input: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "input": self.input, "error": self.kind, "message": self.message}
