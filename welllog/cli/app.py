"""The Typer application every command module registers on."""

import typer

app = typer.Typer(
    name="welllog",
    help="Synthetic sonic logs (DTC, DTS) with calibrated uncertainty from conventional well logs.\n\n"
         "Errors are one line on stderr (exit 2 for unusable input); add --debug anywhere on the command line "
         "for the full traceback.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstrings wrap as paragraphs (rich mode keeps their source line breaks)
)
