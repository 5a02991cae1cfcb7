"""``python -m nn``: runs the command line in ``nn.cli``."""

from nn.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
