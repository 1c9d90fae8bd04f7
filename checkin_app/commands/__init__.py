"""Command-line groups kept out of `cli.py`: each module adds its sub-parsers and handlers.

A module here has `add_parsers(sub)` (the argparse sub-parsers action) and registers each handler
with `checkin_app.cli.command`; `cli.COMMAND_MODULES` lists the modules to load.
"""
