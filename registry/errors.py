"""One error type for bad data files, so the CLI can name file, entry and field and exit 2."""
from __future__ import annotations


class ValidationError(Exception):
    """A data file is malformed or inconsistent. Carries every problem found, not just the first."""

    def __init__(self, path: str, problems: list[tuple[str, str, str]]):
        self.path = path
        self.problems = problems  # (entry, field, message)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.path}: {len(self.problems)} problem(s)"]
        for entry, field, message in self.problems:
            lines.append(f"  {self.path}: entry {entry}: field '{field}': {message}")
        return "\n".join(lines)


class Problems:
    """Collects problems while validating, then raises them together."""

    def __init__(self, path: str):
        self.path = path
        self.items: list[tuple[str, str, str]] = []

    def add(self, entry: str, field: str, message: str) -> None:
        self.items.append((entry, field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationError(self.path, self.items)
