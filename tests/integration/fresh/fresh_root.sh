#!/usr/bin/env bash
# fresh_root.sh [BUILD_DIR] - the README works on a bare Debian 12: a minimal root made
# with debootstrap (minbase, from the mirror this machine's apt uses) gets the committed
# tree (git archive) and runs the README's first command, 'bash scripts/demo.sh', in a
# chroot with /proc, /sys and /dev mounted. Then the .deb that 'cpack -G DEB' makes from
# BUILD_DIR (default: build) is installed there with apt, and 'loadtape demo' runs from
# PATH and 'man -l' renders the installed page. Skips (77) only when no mirror answers;
# fails instead under LOADTAPE_REQUIRE_ALL=1. Mounts are always undone, even on failure.
. "$(dirname "$0")/../../lib.sh"
src=${LT_SRC_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
build=${1:-${LT_BUILD_DIR:-$src/build}}
suite=bookworm
lt_need_root
lt_need_cmd debootstrap chroot mount umount git cpack curl

# The mirror apt already uses: deb822 .sources (URIs of a paragraph whose Suites are
# not the security ones), else a one-line 'deb URL SUITE ...' in sources.list.
mirror_of_apt() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             { uri = ""; ok = 1
               for (i = 1; i <= NF; i++) {
                   if ($i ~ /^URIs:/) { split($i, w, /[ \t]+/); uri = w[2] }
                   if ($i ~ /^Suites:/ && $i ~ /security/) ok = 0
                   if ($i ~ /^Types:/ && $i !~ /[ \t]deb([ \t]|$)/) ok = 0
               }
               if (ok && uri != "") { print uri; exit } }' "$f"
    done | head -1
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" && $0 !~ /security/ {
                 for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp):\/\//) { print $i; exit } }' "$f"
    done | head -1
}
mirror=$(mirror_of_apt | head -1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
mirror=${mirror%/}
curl -fsS --max-time 20 -o /dev/null "$mirror/dists/$suite/Release" 2>"$LT_TMP/curl.err" ||
    lt_skip "debootstrap cannot reach the mirror $mirror: $(cat "$LT_TMP/curl.err")"

# The root lives outside LT_TMP so that nothing removes it while something is mounted.
root=$(mktemp -d /var/tmp/loadtape-fresh.XXXXXX)
mounted=()
fresh_cleanup() {
    local rc=$? m i
    # processes still running in the root (a failed demo's sink) would keep mounts busy
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
    done
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        m=${mounted[$i]}
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "cannot unmount $m" >&2
    done
    if grep -q " $root" /proc/mounts; then
        echo "FAIL: mounts remain under $root; left in place" >&2
        rc=1
    else
        rm -rf --one-file-system "$root"
    fi
    lt_cleanup
    exit $rc
}
trap fresh_cleanup EXIT
trap 'exit 130' INT TERM # through the EXIT trap: unmount and clean up
mount_in() { # mount_in TYPE-ARGS... TARGET
    local target=${*: -1}
    mkdir -p "$target"
    mount "$@"
    mounted+=("$target")
}
# Runs a command in the root; in the background and waited for, so that a signal to
# this script is handled at once (bash defers traps while a foreground child runs).
in_root() {
    chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb DEBIAN_FRONTEND=noninteractive \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" &
    wait $!
}
t0=$(date +%s)
step() { echo "== [$(($(date +%s) - t0))s] $*"; }

step "debootstrap --variant=minbase $suite from $mirror"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$LT_TMP/debootstrap.log" 2>&1 || {
    tail -20 "$LT_TMP/debootstrap.log" >&2
    lt_fail "debootstrap failed"
}
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount_in -t proc proc "$root/proc"
mount_in -t sysfs sysfs "$root/sys"
mount_in --bind /dev "$root/dev"
mount_in --bind /dev/pts "$root/dev/pts"

step "the committed tree (git archive HEAD) into /src/loadtape"
mkdir -p "$root/src/loadtape"
git -C "$src" archive --format=tar HEAD | tar -x -C "$root/src/loadtape"

step "the README's first command: bash scripts/demo.sh"
in_root /bin/bash -c 'cd /src/loadtape && bash scripts/demo.sh' >"$LT_TMP/demo.out" 2>&1 || {
    tail -40 "$LT_TMP/demo.out" >&2
    lt_fail "bash scripts/demo.sh failed on a bare $suite"
}
grep -q "failed 0 (0.00%)" "$LT_TMP/demo.out" || { tail -40 "$LT_TMP/demo.out" >&2; lt_fail "the demo did not complete every request"; }

step "the package: cpack -G DEB in $build"
[ -f "$build/CMakeCache.txt" ] || lt_fail "no build in $build (cmake -S . -B build first)"
cmake --build "$build" -j "$(nproc)" >/dev/null
(cd "$build" && cpack -G DEB -B "$LT_TMP/pkg" >"$LT_TMP/cpack.log" 2>&1) ||
    { cat "$LT_TMP/cpack.log" >&2; lt_fail "cpack -G DEB failed"; }
deb=$(ls "$LT_TMP"/pkg/loadtape_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libpcap0.8 libzstd1 libcurl4 libcjson1; do
    grep -qE "(^|, )$lib \(>= [0-9]" <<<"$depends" || lt_fail "Depends lacks a versioned $lib: $depends"
done
cp "$deb" "$root/tmp/"

step "apt install the .deb (and man-db) in the same root"
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" man-db \
    >"$LT_TMP/apt.log" 2>&1 || { tail -30 "$LT_TMP/apt.log" >&2; lt_fail "apt cannot install the .deb"; }
step "loadtape demo from PATH, and man -l"
in_root /bin/bash -c 'cd /tmp && command -v loadtape && loadtape demo' >"$LT_TMP/pkg-demo.out" 2>&1 || {
    tail -40 "$LT_TMP/pkg-demo.out" >&2
    lt_fail "loadtape demo from the package failed"
}
grep -qx /usr/bin/loadtape "$LT_TMP/pkg-demo.out" || lt_fail "loadtape is not /usr/bin/loadtape"
grep -q "failed 0 (0.00%)" "$LT_TMP/pkg-demo.out" || lt_fail "the packaged demo did not complete every request"
in_root man -l /usr/share/man/man1/loadtape.1.gz 2>"$LT_TMP/man.err" | grep -q "EXIT STATUS" ||
    { cat "$LT_TMP/man.err" >&2; lt_fail "man -l cannot render the installed man page"; }
[ -f "$root/usr/share/bash-completion/completions/loadtape" ] || lt_fail "no bash completion installed"
step "ok: the README and the package work on a fresh $suite root"
