#!/usr/bin/env bash
# gen-man.sh - writes the man page loadtape(1) to stdout from the binary's own --help
# texts, so the page says exactly what the option tables say.
# usage: scripts/gen-man.sh [LOADTAPE] > docs/loadtape.1
set -euo pipefail
lt=${1:-build/cli/loadtape}
esc() { sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/'; }
version=$("$lt" --version | awk '{print $2}')
cat <<HEAD
.TH LOADTAPE 1 "" "loadtape $version" "User Commands"
.SH NAME
loadtape \\- record HTTP event traffic into tapes and replay it with honest latency
.SH SYNOPSIS
.B loadtape
.I COMMAND
[options]
.SH DESCRIPTION
.nf
HEAD
"$lt" --help | esc
echo ".fi"
for cmd in $("$lt" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}'); do
    printf '.SH "LOADTAPE %s"\n.nf\n' "$(echo "$cmd" | tr a-z A-Z)"
    "$lt" "$cmd" --help | esc
    echo ".fi"
done
cat <<'TAIL'
.SH EXIT STATUS
0 success, 1 failure (I/O, bad input data, network setup, or a replay in which not one
request reached the target), 2 usage error, 3 an \-\-slo threshold was breached.
.SH SEE ALSO
docs/FORMAT.md, docs/ARCHITECTURE.md, docs/DECISIONS.md and docs/BENCHMARKS.md in the
source tree.
TAIL
