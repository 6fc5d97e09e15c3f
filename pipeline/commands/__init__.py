"""One module per subcommand: `add_arguments(parser)` and `handle(args) -> int`."""
