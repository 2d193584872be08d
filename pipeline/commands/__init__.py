"""One module per `chuyenmuc` subcommand group; each exposes register(subparsers)."""
