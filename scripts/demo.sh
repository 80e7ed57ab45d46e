#!/usr/bin/env bash
# The main job, end to end on a local directory: start zero and an alpha on
# loopback, load a sample data set, take a full and an incremental backup,
# restore them into a new directory, start a new cluster on the restored
# postings and show that its data is identical.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
cairn=$root/build/bin/cairn

run=${CAIRN_DEMO_DIR:-$root/demo-run}
rm -rf "$run"
mkdir -p "$run"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
zp=$(free_port); ap=$(free_port); zp2=$(free_port); ap2=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_up() { for _ in $(seq 100); do curl -sf "http://$1/health" >/dev/null && return 0; sleep 0.1; done; echo "error: $1 did not start" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }

step "1. start zero on 127.0.0.1:$zp and an alpha on 127.0.0.1:$ap (logs in $run)"
"$cairn" zero --http 127.0.0.1:$zp -w "$run/zw" >"$run/zero.log" 2>&1 & pids+=($!)
wait_up 127.0.0.1:$zp
"$cairn" alpha --http 127.0.0.1:$ap -p "$run/p" -z 127.0.0.1:$zp >"$run/alpha.log" 2>&1 & pids+=($!)
wait_up 127.0.0.1:$ap

step "2. load the sample data set (examples/people.rdf)"
curl -sf -XPOST "http://127.0.0.1:$ap/mutate?commitNow=true" -H 'Content-Type: application/rdf' \
  --data-binary @examples/people.rdf | python3 -c 'import json,sys; r=json.load(sys.stdin); print("   %d new nodes, commit_ts %d" % (len(r["data"]["uids"]), r["extensions"]["txn"]["commit_ts"]))'

backup() {
  curl -sf -XPOST "http://127.0.0.1:$ap/admin" -H 'Content-Type: application/json' \
    -d "{\"query\":\"mutation { backup(input: {destination: \\\"$run/backups\\\"}) { response { message code } taskId } }\"}"
  echo
}
step "3. full backup to $run/backups"
backup

step "4. change the data: rename someone, delete some ages, drop the city predicate, add a node"
curl -sf -XPOST "http://127.0.0.1:$ap/mutate?commitNow=true" -H 'Content-Type: application/rdf' \
  -d '{ delete { <0x1> <name> * . <0x2> <age> * . <0x3> <age> * . } set { <0x1> <name> "Renamed" . _:new <name> "Newcomer" . _:new <friend> <0x1> . } }' >/dev/null
curl -sf -XPOST "http://127.0.0.1:$ap/alter" -d '{"drop_attr": "city"}' >/dev/null
echo "   done"

step "5. incremental backup to the same place"
backup
"$cairn" lsbackup -l "$run/backups"

step "6. restore into $run/restored with a new zero (127.0.0.1:$zp2)"
"$cairn" zero --http 127.0.0.1:$zp2 -w "$run/zw2" >"$run/zero2.log" 2>&1 & pids+=($!)
wait_up 127.0.0.1:$zp2
"$cairn" restore -p "$run/restored" -l "$run/backups" -z 127.0.0.1:$zp2

step "7. start an alpha on the restored p1 and compare exports"
"$cairn" alpha --http 127.0.0.1:$ap2 -p "$run/restored/p1" -z 127.0.0.1:$zp2 >"$run/alpha2.log" 2>&1 & pids+=($!)
wait_up 127.0.0.1:$ap2
read_ts=$("$cairn" lsbackup -l "$run/backups" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["read_ts"])')
curl -sf "http://127.0.0.1:$ap/export?format=rdf&read_ts=$read_ts" >"$run/original.rdf"
curl -sf "http://127.0.0.1:$ap2/export?format=rdf" >"$run/restored.rdf"
if cmp -s "$run/original.rdf" "$run/restored.rdf"; then
  echo "   identical: $(wc -l <"$run/restored.rdf") N-Quads, sha256 $(sha256sum <"$run/restored.rdf" | cut -c1-16)..."
else
  echo "error: the restored data differs (diff $run/original.rdf $run/restored.rdf)" >&2
  exit 1
fi
step "done: backups in $run/backups, restored postings in $run/restored"
