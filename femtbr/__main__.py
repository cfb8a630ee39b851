"""``python -m femtbr`` runs the command-line interface."""

import sys

from femtbr.cli import main

sys.exit(main())
