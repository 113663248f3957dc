#!/usr/bin/env bash
# check-style.sh - rejects calls that have no bound or no error path
# (sprintf, strcpy, strcat, gets, atoi, atol) in kizuna's own C sources.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(git ls-files -co --exclude-standard 'lib/*.c' 'src/*.c' 'include/*.h' 'lib/*.h' 'fuzz/*.c' 'bench/*.c' 2>/dev/null |
      xargs -r grep -nE '(^|[^_a-zA-Z0-9])(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol)[[:space:]]*\(' || true)
if [ -n "$bad" ]; then
  echo "check-style: banned functions (use snprintf, memcpy with lengths, strtol):" >&2
  echo "$bad" >&2
  exit 1
fi
