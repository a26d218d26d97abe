"""Terminal output: rich when it is installed, plain (ANSI on a terminal) text otherwise."""

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

try:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.table import Table
    from rich.text import Text
except ImportError:  # optional until the workspace is locked with it; the plain path follows
    Console = None

Segment = tuple[str, str]
"""Text and its style (`"bold red"`, `""` for none)."""

Cell = str | Segment
Advance = Callable[[int, str], None]
"""Called with the number of items just done and what is being worked on."""

_ANSI = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34",
         "magenta": "35", "cyan": "36"}


class Output:
    """Lines, tables and progress on stdout/stderr, coloured only where a terminal shows it."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self._rich = self._rich_err = None
        if Console is not None:
            self._rich, self._rich_err = _console(self.out), _console(self.err)
        self._ansi = self.out.isatty() and "NO_COLOR" not in os.environ

    def line(self, *segments: Segment) -> None:
        """One line of styled segments."""
        if self._rich is not None:
            self._rich.print(Text.assemble(*segments))
        else:
            self.raw("".join(self._styled(text, style) for text, style in segments))

    def raw(self, text: str) -> None:
        """Text as it is (JSON lines): never wrapped, styled or marked up."""
        self.out.write(text + "\n")
        self.out.flush()

    def warn(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Rows under a header; a cell is text or (text, style)."""
        cells = [[c if isinstance(c, tuple) else (c, "") for c in row] for row in rows]
        if self._rich is not None:
            table = Table(*columns)
            for row in cells:
                table.add_row(*(Text(text, style=style) for text, style in row))
            self._rich.print(table)
            return
        widths = [max([len(name), *(len(row[i][0]) for row in cells)])
                  for i, name in enumerate(columns)]
        self.raw("  ".join(name.ljust(w) for name, w in zip(columns, widths, strict=True))
                 .rstrip())
        for row in cells:
            self.raw("  ".join(self._styled(text.ljust(w), style)
                               for (text, style), w in zip(row, widths, strict=True)).rstrip())

    @contextmanager
    def progress(self, total: int, unit: str = "events") -> Iterator[Advance]:
        """A progress bar on stderr: done / total and rate."""
        if self._rich_err is not None:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          _Rate(unit), TimeElapsedColumn(), console=self._rich_err) as bar:
                task = bar.add_task("", total=total)
                yield lambda n, what: bar.update(task, advance=n, description=what)
            return
        started, done, shown = time.monotonic(), 0, 0.0

        def advance(n: int, what: str) -> None:
            nonlocal done, shown
            done += n
            now = time.monotonic()
            if now - shown >= 1 or done >= total:
                shown = now
                rate = done / max(now - started, 1e-6)
                self.warn(f"{what}: {done}/{total} {unit} ({rate:,.0f} {unit}/s)")

        yield advance

    def _styled(self, text: str, style: str) -> str:
        codes = [_ANSI[word] for word in style.split() if word in _ANSI]
        if not self._ansi or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def _console(stream: TextIO) -> "Console":
    # Piped output is not cut to 80 columns: tables keep their rows on one line each.
    return Console(file=stream, highlight=False, soft_wrap=True,
                   width=None if stream.isatty() else 10_000)


if Console is not None:

    class _Rate(ProgressColumn):
        """Items per second, averaged by rich over the last seconds."""

        def __init__(self, unit: str) -> None:
            super().__init__()
            self.unit = unit

        def render(self, task) -> Text:
            return Text(f"{task.speed or 0:,.0f} {self.unit}/s", style="cyan")
