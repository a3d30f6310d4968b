# k8s_manifest.sh - examples/k8s renders manifests that parse as YAML and hold what an
# Indexed Job needs, and whose commands work: each pod's command line (with its
# completion index, the volume as a folder) replays its shard of a tape served over
# HTTP to the sink on loopback, the merge pod's command merges the parts, and the
# merged numbers are the whole tape's.
source "$LT_TEST_ROOT/lib.sh"
set -euo pipefail
lt_need_cmd python3 curl
python3 -c 'import yaml' 2>/dev/null || lt_skip "needs python3-yaml"

D=$LT_TMP/tapes
mkdir -p "$D" "$LT_TMP/out" "$LT_TMP/results"
chmod o+rx "$LT_TMP" "$D"
"$LOADTAPE" synth baseline -o "$D/t.tape" --rate 300 --duration 4s --seed 9 2>/dev/null
chmod o+r "$D/t.tape"
np=$(lt_free_port)
lt_start_nginx "$np" "location /tapes/ { alias $D/; }"
sp=$(lt_free_port)
"$LOADTAPE" sink --listen "127.0.0.1:$sp" >"$LT_TMP/sink.out" 2>&1 &
LT_PIDS+=($!)
lt_wait_port "$sp"

N=3
bash "$LT_SRC_ROOT/examples/k8s/render.sh" --tape "http://127.0.0.1:$np/tapes/t.tape" \
    --target "http://127.0.0.1:$sp" --rate 600 --shards $N --lead 3 --out "$LT_TMP/out" >/dev/null
# render.sh refuses what it cannot render
rc=0
bash "$LT_SRC_ROOT/examples/k8s/render.sh" --tape x --target y --rate 1 --shards 0 2>/dev/null || rc=$?
lt_eq "render.sh: bad --shards" 2 "$rc"

# the manifests, parsed; each pod's command and the merge command, as shell words
python3 - "$LT_TMP/out" "$N" "$LT_TMP/results" <<'PY'
import shlex, sys, yaml
out, n, res = sys.argv[1], int(sys.argv[2]), sys.argv[3]
docs = list(yaml.safe_load_all(open(out + "/job.yaml")))
job = [d for d in docs if d["kind"] == "Job"][0]
pvc = [d for d in docs if d["kind"] == "PersistentVolumeClaim"][0]
s = job["spec"]
assert job["apiVersion"] == "batch/v1"
assert s["completionMode"] == "Indexed" and s["completions"] == s["parallelism"] == n, s
pod = s["template"]["spec"]
assert pod["restartPolicy"] == "Never"
c = pod["containers"][0]
assert [e["name"] for e in c["env"]] == ["JOB_COMPLETION_INDEX"], c["env"]
assert c["volumeMounts"][0]["mountPath"] == "/results"
assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
assert "ReadWriteMany" in pvc["spec"]["accessModes"]
cmd = c["command"]
assert cmd[:2] == ["loadtape", "replay"] and "--shard" in cmd and "--start-at" in cmd, cmd
with open(out + "/pods.sh", "w") as f:
    for k in range(n):
        words = [w.replace("$(JOB_COMPLETION_INDEX)", str(k)).replace("/results", res) for w in cmd]
        f.write(" ".join(shlex.quote(w) for w in words[1:]) + "\n")
merge = yaml.safe_load(open(out + "/merge.yaml"))
mc = merge["spec"]["template"]["spec"]["containers"][0]
assert merge["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
with open(out + "/merge.sh", "w") as f:
    f.write(mc["args"][0].replace("/results", res).replace("loadtape ", '"$LOADTAPE" ') + "\n")
PY

# each pod's command line, as it is, accepted by replay --check: options parsed, the tape
# opened over HTTP, the plan made, the folder of -o writable, and nothing sent
before=$(curl -s "http://127.0.0.1:$sp/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
k=0
while read -r line; do
    eval "\"\$LOADTAPE\" $line --check" >"$LT_TMP/check-$k.out" 2>"$LT_TMP/check-$k.err" ||
        lt_fail "pod $k's command refused by --check: $(cat "$LT_TMP/check-$k.err")"
    grep -q "^--- results: $LT_TMP/results/part-$k.res (not written by --check)$" "$LT_TMP/check-$k.out" ||
        lt_fail "pod $k: --check does not name its results file: $(tail -3 "$LT_TMP/check-$k.out")"
    k=$((k + 1))
done <"$LT_TMP/out/pods.sh"
lt_eq "pods checked" $N "$k"
[ -z "$(ls "$LT_TMP/results")" ] || lt_fail "--check wrote a results file"
after=$(curl -s "http://127.0.0.1:$sp/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
lt_eq "requests the target got from --check (its /stats calls only)" $((before + 1)) "$after"

# the pods, as processes: each its shard, from one instant
pids=()
while read -r line; do
    eval "\"\$LOADTAPE\" $line" >/dev/null 2>>"$LT_TMP/pods.err" &
    pids+=($!)
done <"$LT_TMP/out/pods.sh"
for p in "${pids[@]}"; do wait "$p" || lt_fail "a pod's command failed: $(cat "$LT_TMP/pods.err")"; done
[ "$(ls "$LT_TMP/results"/part-*.res | wc -l)" = $N ] || lt_fail "one part per pod"
LOADTAPE=$LOADTAPE bash "$LT_TMP/out/merge.sh"
[ -s "$LT_TMP/results/report.html" ] || lt_fail "the merge pod's report"
python3 - "$LT_TMP/results/summary.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["merged"] == 3 and j["requests"]["scheduled"] == 1200 and j["requests"]["ok"] == 1200, j["requests"]
PY
echo "ok: the Kubernetes example renders and its commands run"
