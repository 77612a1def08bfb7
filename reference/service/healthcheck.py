"""Docker HEALTHCHECK probe: exit 0 when /health answers 200, else 1. Needs no curl."""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    """Probe the local server on $PORT and return the process exit code."""
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8080')}/health"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
