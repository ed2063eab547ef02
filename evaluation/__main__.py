"""``python -m evaluation`` is the ``rolindex`` command."""

import sys

from .cli import main

sys.exit(main())
