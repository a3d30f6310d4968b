#!/usr/bin/env bash
# man_current.sh - docs/loadtape.1 is what scripts/gen-man.sh makes from the binary's
# command and option tables and the README's examples: the man page never drifts. It
# has the sections a man page has, one per command with every option, and renders
# without a warning.
. "$LT_TEST_ROOT/lib.sh"
# the long options a command's --help lists (its "options:" block)
options_of() {
    "$LOADTAPE" "$1" --help | awk '/^options:/{on=1; next} on && /^$/{exit} on' |
        grep -o '^ *\(-[a-zA-Z], \)\?--[a-z-]*' | grep -o -- '--[a-z-]*'
}
page=$LT_SRC_ROOT/docs/loadtape.1
bash "$LT_SRC_ROOT/scripts/gen-man.sh" "$LOADTAPE" >"$LT_TMP/loadtape.1"
if ! diff -u "$page" "$LT_TMP/loadtape.1" >"$LT_TMP/diff"; then
    cat "$LT_TMP/diff" >&2
    lt_fail "docs/loadtape.1 is stale: run scripts/gen-man.sh build/cli/loadtape > docs/loadtape.1"
fi
for s in NAME SYNOPSIS DESCRIPTION EXAMPLES '"EXIT STATUS"' FILES '"SEE ALSO"'; do
    grep -qx "\.SH $s" "$page" || lt_fail "no $s section"
done
for cmd in $("$LOADTAPE" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}'); do
    up=$(tr a-z A-Z <<<"$cmd")
    grep -qx "\.SH \"LOADTAPE $up\"" "$page" || lt_fail "no section for $cmd"
    # every option --help lists is in that section
    section=$(awk -v h=".SH \"LOADTAPE $up\"" '$0 == h {on=1; next} on && /^\.SH /{exit} on' "$page")
    for opt in $(options_of "$cmd"); do
        grep -qF -- "$(sed 's/-/\\-/g' <<<"$opt")" <<<"$section" || lt_fail "$cmd: $opt is not in the man page"
    done
done
grep -q '^loadtape .* --' "$page" && lt_fail "EXAMPLES not escaped for roff"
grep -q '^loadtape replay prod.tape \\-\\-target' "$page" || lt_fail "EXAMPLES are not the README's"
grep -q "^\.B 4$" "$page" || lt_fail "EXIT STATUS lacks 4"
if command -v groff >/dev/null; then
    groff -man -Tutf8 -ww -z "$page" 2>"$LT_TMP/warn"
    [ -s "$LT_TMP/warn" ] && { cat "$LT_TMP/warn" >&2; lt_fail "groff warns about the man page"; }
fi
echo "ok: the man page matches the option tables and the README"
