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
