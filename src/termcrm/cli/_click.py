"""The parts of Typer's bundled Click that termcrm uses, under stable names."""

from typer._click.core import Context as Context
from typer._click.exceptions import BadParameter as BadParameter
from typer._click.exceptions import ClickException as ClickException
from typer._click.exceptions import UsageError as UsageError
from typer._click.formatting import HelpFormatter as HelpFormatter
from typer._click.globals import get_current_context as get_current_context
from typer.core import TyperCommand as Command
from typer.exceptions import Abort as Abort
from typer.exceptions import Exit as Exit

__all__ = [
    "Abort",
    "BadParameter",
    "ClickException",
    "Command",
    "Context",
    "Exit",
    "HelpFormatter",
    "UsageError",
    "get_current_context",
]
