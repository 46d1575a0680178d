"""`python -m pipeline ...`: the command-line face of the pack."""

from pipeline.cli import main

raise SystemExit(main())
