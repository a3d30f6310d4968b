#!/usr/bin/env bash
# install.sh - 'cmake --install' puts the binary, the man page and the bash completion
# (made from the option tables at build time) under the prefix, and they work there.
. "$LT_TEST_ROOT/lib.sh"
set -euo pipefail
p=$LT_TMP/prefix
cmake --install "$LT_BUILD_DIR" --prefix "$p" >"$LT_TMP/install.log"
for f in bin/loadtape share/man/man1/loadtape.1.gz share/bash-completion/completions/loadtape \
    share/doc/loadtape/README.md share/doc/loadtape/FORMAT.md; do
    [ -f "$p/$f" ] || lt_fail "cmake --install did not install $f: $(cat "$LT_TMP/install.log")"
done
lt_eq "installed version" "$("$LOADTAPE" --version)" "$("$p/bin/loadtape" --version)"
zcat "$p/share/man/man1/loadtape.1.gz" | cmp - "$LT_SRC_ROOT/docs/loadtape.1" || lt_fail "the installed man page is not docs/loadtape.1"
"$p/bin/loadtape" completion bash | cmp - "$p/share/bash-completion/completions/loadtape" ||
    lt_fail "the installed completion is not what the binary makes"
if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$p/share/man/man1/loadtape.1.gz" 2>/dev/null | grep -q "EXIT STATUS" ||
        lt_fail "man -l cannot render the installed page"
fi
echo "ok: installed binary, man page and completion"
