"""What an import did: counts, and the rows it could not use with the reason why."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowProblem:
    """A row that was not imported (or only partly): its CSV line and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportSummary:
    """Counts of what an import created, updated and skipped, and the problems.

    For a customers file the counts are customers; for an orders file they
    are orders (one order spans several rows). `line` numbers count physical
    lines of the file, the header being line 1.
    """

    created: int = 0
    updated: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def skip(self, line: int, reason: str) -> None:
        self.skipped += 1
        self.problems.append(RowProblem(line, reason))

    def note(self, line: int, reason: str) -> None:
        """Report a row that was imported only in part (it is counted as created or updated)."""
        self.problems.append(RowProblem(line, reason))

    def counts(self) -> str:
        """The one-line summary: "created 120, updated 3, skipped 2"."""
        return f"created {self.created}, updated {self.updated}, skipped {self.skipped}"
