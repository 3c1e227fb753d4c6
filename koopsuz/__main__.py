"""``python -m koopsuz``: the command line."""

import sys

from koopsuz.cli import main

sys.exit(main())
