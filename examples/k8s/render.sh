#!/usr/bin/env bash
# render.sh - fills in the Indexed Job and the merge Job of this folder.
#
#   examples/k8s/render.sh --tape URL --target URL --rate R [--shards N] [--lead S]
#                          [--name NAME] [--image IMAGE] [--cpu C] [--out DIR]
#
# --start-at is set --lead seconds (default 60) from now, enough for the pods to be
# scheduled and pull the image; every pod starts sending at that instant. Writes
# DIR/job.yaml and DIR/merge.yaml (default: the current directory).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tape= target= rate= n=4 lead=60 name=loadtape-replay image=loadtape:latest cpu=1 out=.
while [ $# -gt 0 ]; do
    case $1 in
    --tape) tape=$2 ;;
    --target) target=$2 ;;
    --rate) rate=$2 ;;
    --shards) n=$2 ;;
    --lead) lead=$2 ;;
    --name) name=$2 ;;
    --image) image=$2 ;;
    --cpu) cpu=$2 ;;
    --out) out=$2 ;;
    *) echo "render.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift 2
done
[ -n "$tape" ] && [ -n "$target" ] && [ -n "$rate" ] || {
    echo "render.sh: --tape, --target and --rate are required" >&2
    exit 2
}
case $n in '' | *[!0-9]* | 0) echo "render.sh: --shards must be a positive number" >&2; exit 2 ;; esac
start=$(date -u -d "@$(($(date +%s) + lead))" +%Y-%m-%dT%H:%M:%SZ)
for f in job merge; do
    sed -e "s|@NAME@|$name|g" -e "s|@N@|$n|g" -e "s|@IMAGE@|$image|g" -e "s|@TAPE@|$tape|g" \
        -e "s|@TARGET@|$target|g" -e "s|@RATE@|$rate|g" -e "s|@START_AT@|$start|g" \
        -e "s|@CPU@|$cpu|g" "$here/$f.yaml.in" >"$out/$f.yaml"
done
echo "wrote $out/job.yaml and $out/merge.yaml: $n shards of $tape from $start"
