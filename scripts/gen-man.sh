#!/usr/bin/env bash
# gen-man.sh - writes the man page loadtape(1) to stdout: the binary makes it from its
# command and option tables ('loadtape manpage', the tables that parse argv and print
# --help), and the EXAMPLES section is the README's "Using it" commands, so neither the
# options nor the examples can drift.
# usage: scripts/gen-man.sh [LOADTAPE] > docs/loadtape.1
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
lt=${1:-$here/build/cli/loadtape}
examples=$(awk '
    /^## / { on = ($0 == "## Using it"); next }
    on && /^    / { sub(/^    /, ""); print; n++; next }
    on && n && /^[^ ]/ { exit }
' "$here/README.md")
[ -n "$examples" ] || { echo "gen-man.sh: no examples under '## Using it' in README.md" >&2; exit 1; }
roff_examples() {
    echo ".PP"
    echo ".nf"
    # roff: backslashes and hyphens escaped
    sed -e 's/\\/\\e/g' -e 's/-/\\-/g' <<<"$examples"
    echo ".fi"
}
"$lt" manpage | while IFS= read -r line; do
    if [ "$line" = '.\" @EXAMPLES@' ]; then
        roff_examples
    else
        printf '%s\n' "$line"
    fi
done
