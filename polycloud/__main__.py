"""``python -m polycloud``."""

import sys

from polycloud.cli import main

sys.exit(main())
