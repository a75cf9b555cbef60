"""What the SDK scripts share: one `ok:` line per step, and exit 1 at the first surprise."""

import sys


def check(condition, what):
    """Prints `ok: what` when `condition` holds; otherwise prints `FAILED: what` and exits 1."""
    if not condition:
        print(f"FAILED: {what}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)
