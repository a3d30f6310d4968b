#!/usr/bin/env bash
# man_current.sh - docs/loadtape.1 is what scripts/gen-man.sh makes from the binary's
# --help texts: the man page never drifts from the option tables.
. "$LT_TEST_ROOT/lib.sh"
bash "$LT_SRC_ROOT/scripts/gen-man.sh" "$LOADTAPE" >"$LT_TMP/loadtape.1"
if ! diff -u "$LT_SRC_ROOT/docs/loadtape.1" "$LT_TMP/loadtape.1" >"$LT_TMP/diff"; then
    cat "$LT_TMP/diff" >&2
    lt_fail "docs/loadtape.1 is stale: run scripts/gen-man.sh build/cli/loadtape > docs/loadtape.1"
fi
echo "ok: the man page matches --help"
