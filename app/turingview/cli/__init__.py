"""The ``turingview`` command line.

Sub-commands live in their own modules and are imported only when invoked, so ``turingview --help``
and the reader's path stay fast (no torch, pandas or scipy at start-up). Every
:class:`~turingview.core.errors.TuringViewError` is caught here, at the one boundary, and printed as a
single line on stderr with a non-zero exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from turingview import __version__
from turingview.core.errors import TuringViewError

# command name -> (module, attribute, one-line help shown by ``turingview --help``)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "inspect": ("turingview.cli.imaging", "inspect_command", "Describe an image file or series folder."),
    "render": ("turingview.cli.imaging", "render_command", "Render a slice to PNG exactly as a reader sees it."),
    "study": ("turingview.cli.study", "study_group", "Create, audit, export and inspect studies."),
    "audit": ("turingview.cli.audit", "audit_group", "Verify a study's hash-chained audit trail."),
    "backup": ("turingview.cli.backup", "backup_group", "List and restore database backups."),
    "analyze": ("turingview.cli.analyze", "analyze_command", "Agreement, detection, ROC and MRMC statistics."),
    "realism": ("turingview.cli.realism", "realism_command", "Domain-classifier realism check (torch)."),
    "read": ("turingview.cli.gui", "read_command", "Open the reader workstation."),
    "console": ("turingview.cli.gui", "console_command", "Open the coordinator console."),
    "demo": ("turingview.cli.gui", "demo_command", "Open the reader workstation on the bundled sample study."),
}


class LazyGroup(click.Group):
    """A click group whose sub-commands listed in ``lazy_commands`` are imported on first use.

    ``lazy_commands`` maps a command name to ``(module, attribute, one-line help)``; commands defined on
    the group itself in the usual way are listed beside them (``turingview study`` mixes both).
    """

    def __init__(self, *args: object, lazy_commands: dict[str, tuple[str, str, str]] | None = None,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        entry = self.lazy_commands.get(cmd_name)
        if command is not None or entry is None:
            return command
        module_name, attribute, _ = entry
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None
        return getattr(module, attribute, None)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy_commands:  # described without importing the module
                rows.append((name, self.lazy_commands[name][2]))
            else:
                command = super().get_command(ctx, name)
                rows.append((name, command.get_short_help_str() if command else ""))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, lazy_commands=_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="turingview")
def cli() -> None:
    """TuringView: blinded reader studies of real versus synthetic medical images."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn expected errors into one line on stderr."""
    try:
        cli.main(args=argv, prog_name="turingview", standalone_mode=False)
    except TuringViewError as error:
        click.echo(f"turingview: error: {error}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("turingview: aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(0)
