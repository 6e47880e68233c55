"""The Typer application every command module registers on."""

import typer

app = typer.Typer(
    name="welllog",
    help="Synthetic sonic logs (DTC, DTS) with calibrated uncertainty from conventional well logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
