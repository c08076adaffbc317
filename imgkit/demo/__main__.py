"""``python -m imgkit.demo OUTPUT``: write the bundled demo listing."""

import sys

from imgkit.demo._generate import main

raise SystemExit(main(sys.argv[1:]))
