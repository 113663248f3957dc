#!/usr/bin/env bash
# run.sh - what `make run` does for now: validates the bundled sample and
# prints what kizuna found. (It becomes `kizuna serve` once the TAXII server
# lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/kizuna}
echo "kizuna: validating samples/sample-bundle.json" >&2
"$bin" validate samples/sample-bundle.json
echo >&2
echo "try: $bin validate --format json samples/sample-bundle.json" >&2
echo "     $bin validate --help" >&2
