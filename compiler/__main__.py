"""``python -m hpcspec``."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while starting: no traceback, the usual exit code
    print("hpcspec: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
