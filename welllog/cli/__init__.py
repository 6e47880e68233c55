"""The `welllog` command line: one module per group of commands, registered on one Typer app."""
