"""Every command explains itself with --help."""

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from portalflow_ops import cli

COMMANDS = [["tail"], ["dead-letters"], ["dead-letters", "list"], ["dead-letters", "show"],
            ["dead-letters", "replay"], ["lag"], ["rebuild-read-model"], ["relay"],
            ["relay", "parked"], ["relay", "set-aside"], ["relay", "retry"]]


def help_of(command: list[str]) -> str:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as exit:
        cli.parser().parse_args([*command, "--help"])
    assert exit.value.code == 0
    return out.getvalue()


@pytest.mark.parametrize("command", [[], *COMMANDS], ids=lambda c: " ".join(c) or "ops")
def test_help(command):
    assert help_of(command).startswith(f"usage: portalflow-ops {' '.join(command)}".rstrip())


def test_the_rebuild_help_says_to_stop_portal_service_first():
    assert "Stop portal-service" in help_of(["rebuild-read-model"])


def test_replay_needs_an_id_or_all():
    with redirect_stdout(io.StringIO()), pytest.raises(SystemExit) as exit:
        cli.parser().parse_args(["dead-letters", "replay"])

    assert exit.value.code == 2


@pytest.mark.parametrize("option", ["--workers", "--batch-size"])
def test_a_rebuild_needs_at_least_one_of_each(option):
    errors = io.StringIO()
    with redirect_stderr(errors), pytest.raises(SystemExit) as exit:
        cli.parser().parse_args(["rebuild-read-model", option, "0"])

    assert exit.value.code == 2
    assert f"argument {option}: '0' is not a whole number of 1 or more" in errors.getvalue()


async def test_a_rebuild_without_a_terminal_or_yes_does_nothing(ops):
    ran = await ops("rebuild-read-model", "--database-url", "postgresql://nobody@127.0.0.1:1/x")

    assert ran.status == 1 and "--yes" in ran.err
