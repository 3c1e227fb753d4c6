"""`python -m geo ...`: the command-line face of the analysis library."""

from geo.cli import main

raise SystemExit(main())
