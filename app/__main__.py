"""`python -m app` is the same as the `hirewire` command."""

from app.cli import main

main()
