"""The deployment files, and the checks they share: parse YAML, resolve a `skillbite` command line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import yaml

from plugin.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def yaml_documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def kubernetes_objects() -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, doc) for path in sorted((DEPLOY / "k8s").glob("*.yaml"))
            if path.name != "kustomization.yaml" for doc in yaml_documents(path)]


def resolve_command(args: Sequence[str]) -> click.Command:
    """The `skillbite` subcommand an entry command line runs; its options are parsed as the CLI would.

    Fails when the command or one of its options does not exist. `skillbite worker` belongs to the
    outbox feature's plugin/outbox/cli.py: while that file is absent the check is skipped, not failed.
    """
    rest = list(args)
    command: click.Command = main
    ctx = click.Context(main, info_name="skillbite")
    while isinstance(command, click.Group):
        assert rest, f"`skillbite {' '.join(args)}` names a group, not a command"
        name = rest.pop(0)
        found = command.get_command(ctx, name)
        assert found is not None, f"`skillbite {' '.join(args)}`: no command {name!r} in plugin.cli.main"
        command, ctx = found, click.Context(found, info_name=name, parent=ctx)
    command.make_context(ctx.info_name, rest, parent=ctx.parent)  # unknown options raise UsageError
    return command
