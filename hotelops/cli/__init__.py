"""The command line: Typer commands that parse options, call one core function, and render."""
