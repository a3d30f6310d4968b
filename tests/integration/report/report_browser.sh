# report_browser.sh - report --format html opened in headless Chromium, for a
# results file with known numbers (spike windows, errors, timeouts), for a
# real replay against the sink, for a --find-max search and for two runs compared: the page
# loads with no console message at all
# (the page logs nothing, so any message is an error), its script ran, the SVG
# charts have their data points, and screenshots at 1280 and 390 px are not
# blank. Name resolution is mapped to nowhere: the page must need no network.
source "$LT_TEST_ROOT/lib.sh"
set -euo pipefail
[ -n "${LT_TRACE:-}" ] && set -x
lt_need_cmd chromium python3
here="$LT_TEST_ROOT/integration/report"

browser() {
    local ud
    ud=$(mktemp -d "$LT_TMP/profile.XXXXXX")
    timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$ud" --host-resolver-rules="MAP * ~NOTFOUND" \
        --enable-logging=stderr --v=0 --hide-scrollbars "$@"
}

# check_page HTML NAME POINTS CHARTS: console, script, charts (POINTS a line over
# time), screenshots.
check_page() {
    local html=$1 name=$2 w
    browser --dump-dom "file://$html" >"$LT_TMP/$name.dom" 2>"$LT_TMP/$name.log" ||
        lt_fail "$name: chromium failed: $(tail -3 "$LT_TMP/$name.log")"
    if grep -q 'CONSOLE' "$LT_TMP/$name.log"; then
        grep 'CONSOLE' "$LT_TMP/$name.log" >&2
        lt_fail "$name: console messages"
    fi
    grep -q 'data-ready="1"' "$LT_TMP/$name.dom" || lt_fail "$name: the page's script did not run"
    python3 - "$LT_TMP/$name.dom" "$3" "$4" <<'PY'
import re, sys
dom, want, ncharts = open(sys.argv[1]).read(), int(sys.argv[2]), int(sys.argv[3])
svgs = re.findall(r"<svg\b.*?</svg>", dom, re.S)
assert len(svgs) == ncharts, f"{len(svgs)} charts, expected {ncharts}"
# a search's knee (a point per step) is checked by its own case below
svgs = [v for v in svgs if 'data-kind="knee"' not in v]
pts = []
for i, svg in enumerate(svgs):
    lines = re.findall(r'<polyline class="line"[^>]*points="([^"]*)"', svg)
    areas = re.findall(r'<polygon class="area"[^>]*points="([^"]*)"', svg)
    assert lines or areas, f"chart {i} has nothing drawn"
    for p in lines + areas:
        for xy in p.split():
            x, y = map(float, xy.split(","))
            assert 0 <= x <= 600 and 0 <= y <= 280, xy
    n = [len(p.split()) for p in lines]
    # a point per second over time; the distribution (the last chart) its own count
    assert all(k == want for k in n) if i < len(svgs) - 1 else all(k >= 21 for k in n), (i, n)
    pts.append(n)
print(f"{len(svgs)} charts, points per line {pts}")
PY
    for w in 1280 390; do
        browser --window-size="$w,2400" --screenshot="$LT_TMP/$name-$w.png" "file://$html" \
            >/dev/null 2>"$LT_TMP/$name-$w.log" || lt_fail "$name: screenshot at $w px failed"
        python3 "$here/png_check.py" "$LT_TMP/$name-$w.png" "$w"
    done
}

# The console check must be able to fail: a page with a script error is caught.
printf '<!DOCTYPE html><html><body><p>x</p><script>nosuch();</script></body></html>\n' \
    >"$LT_TMP/bad.html"
browser --dump-dom "file://$LT_TMP/bad.html" >/dev/null 2>"$LT_TMP/bad.log" || true
grep -q 'CONSOLE.*Uncaught ReferenceError' "$LT_TMP/bad.log" || lt_fail "a console error went unseen"

# Known numbers: 10 s, two spike windows, statuses and error classes.
"$LT_MKRESULTS" "$LT_TMP/known.res"
rc=0
"$LOADTAPE" report "$LT_TMP/known.res" --format html -o "$LT_TMP/known.html" --slo 'p99<100ms' ||
    rc=$?
lt_eq "exit status with a failed threshold" 3 "$rc"
[ "$(grep -o 'class="spike"' "$LT_TMP/known.html" | wc -l)" = 10 ] || lt_fail "spike windows not shaded"
check_page "$LT_TMP/known.html" known 10 6
grep -q '<polygon class="area"' "$LT_TMP/known.html" || lt_fail "no stacked statuses"

# A real run: about 4 s against the sink (with delays and 5% errors), a spike included,
# two streams (two endpoints).
"$LOADTAPE" synth baseline -o "$LT_TMP/b.tape" --rate 100 --duration 6s --seed 5 \
    --streams web,ios 2>/dev/null
port=$(lt_free_port)
"$LOADTAPE" sink --listen "127.0.0.1:$port" --delay 1ms --jitter 2ms --error-rate 5% \
    >"$LT_TMP/sink.out" 2>&1 &
LT_PIDS+=($!)
lt_wait_port "$port"
"$LOADTAPE" replay "$LT_TMP/b.tape" --target "http://127.0.0.1:$port" --spike 3x:1s/2s \
    -o "$LT_TMP/real.res" >/dev/null 2>&1 || true
"$LOADTAPE" report "$LT_TMP/real.res" --format html -o "$LT_TMP/real.html" 2>/dev/null || true
n=$("$LOADTAPE" report "$LT_TMP/real.res" --intervals --format json 2>/dev/null | wc -l)
[ "$n" -ge 2 ] || lt_fail "the real run has $n intervals"
check_page "$LT_TMP/real.html" real "$n" 6
# its per-endpoint table, as the browser built it: a row per stream
for g in /collect/ios /collect/web; do
    grep -q "<tr><td>POST</td><td>$g</td>" "$LT_TMP/real.dom" || lt_fail "no endpoint row for $g"
done

# A --find-max search: the answer, a row and a point per step on the knee chart, and the
# judged part of each step shaded on the five charts over time.
"$LOADTAPE" replay "$LT_TMP/b.tape" --target "http://127.0.0.1:$port" --find-max --slo 'p50<1s' \
    --max-speed 2 --step 2s --cooldown 0 -o "$LT_TMP/fm.res" >/dev/null 2>&1 || true
"$LOADTAPE" report "$LT_TMP/fm.res" --format html -o "$LT_TMP/fm.html" 2>/dev/null || true
steps=$({ "$LOADTAPE" report "$LT_TMP/fm.res" --format json 2>/dev/null || true; } |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["find_max"]["steps"]))')
[ "$steps" -ge 1 ] || lt_fail "the search has no step"
n=$({ "$LOADTAPE" report "$LT_TMP/fm.res" --intervals --format json 2>/dev/null || true; } | wc -l)
check_page "$LT_TMP/fm.html" find-max "$n" 7
lt_eq "a point per step" "$steps" "$(grep -o '<circle class="step"' "$LT_TMP/find-max.dom" | wc -l)"
lt_eq "the judged part of each step shaded on each chart over time" "$((steps * 5))" \
    "$(grep -o 'class="band"' "$LT_TMP/find-max.dom" | wc -l)"
grep -q '<p class="answer">holds' "$LT_TMP/find-max.dom" || grep -q '<p class="answer">no speed was proven' "$LT_TMP/find-max.dom" ||
    lt_fail "the answer line"
python3 - "$LT_TMP/find-max.dom" "$steps" <<'PY'
import re, sys
dom, steps = open(sys.argv[1]).read(), int(sys.argv[2])
knee = [v for v in re.findall(r"<svg\b.*?</svg>", dom, re.S) if 'data-kind="knee"' in v]
assert len(knee) == 1, len(knee)
pts = re.findall(r'<polyline class="line" stroke="#1f6feb" points="([^"]*)"', knee[0])[0].split()
assert len(pts) == steps, (pts, steps)
PY

# Two runs compared: A's and B's charts overlaid (B is half of A's run).
"$LT_MKRESULTS" "$LT_TMP/half.res" 0/2
"$LOADTAPE" report "$LT_TMP/known.res" "$LT_TMP/half.res" --compare --format html \
    -o "$LT_TMP/compare.html"
check_page "$LT_TMP/compare.html" compare 10 4
echo "ok"
