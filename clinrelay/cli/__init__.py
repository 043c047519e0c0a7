"""The ``clinrelay`` command. Subcommands are imported only when used, so ``clinrelay deid``
does not pay for the web stack and ``clinrelay serve`` does not pay for the NLP models."""

from __future__ import annotations

import importlib

import click

from clinrelay import __version__

# name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "migrate": "clinrelay.cli.ops:migrate",
    "serve": "clinrelay.cli.ops:serve",
    "up": "clinrelay.cli.ops:up",
    "dev": "clinrelay.cli.dev:dev",
    "keys": "clinrelay.cli.keys:keys",
    "submit": "clinrelay.cli.reports:submit",
    "status": "clinrelay.cli.reports:status",
    "watch": "clinrelay.cli.watch:watch",
    "cer": "clinrelay.cli.cer:cer",
    "device": "clinrelay.cli.cer:device",
    "openfda-fixture": "clinrelay.cli.cer:openfda_fixture",
    "deid": "clinrelay.cli.deid:deid",
    "code": "clinrelay.cli.code:code",
    "sample-report": "clinrelay.cli.samples:sample_report",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_LazyGroup)
@click.version_option(__version__, prog_name="clinrelay")
def main() -> None:
    """clinrelay: clinical coding and drug-safety reports, off the request path."""
