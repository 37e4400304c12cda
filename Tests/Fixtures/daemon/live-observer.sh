#!/usr/bin/env bash
# The live test's observer: run by scripts/bgpgen/gen-capture.sh -x inside the announcer's network namespace
# while a real BIRD -> GoBGP session runs. Starts two test receivers (webhook, Alertmanager) on the
# namespace's own loopback and `bgpsentry run` capturing live on $BGPGEN_IFACE; on SIGTERM (the session has
# closed) it saves /metrics and /healthz, stops the daemon gracefully and records its exit status.
# Usage: live-observer.sh OUT_DIR BGPSENTRY REGISTRY RECEIVER_PY
set -u
out=$1 bin=$2 registry=$3 receiver=$4
ip link set lo up
python3 "$receiver" --out "$out/hook.jsonl" --port-file "$out/hook.port" --port 18080 &
hook=$!
python3 "$receiver" --out "$out/am.jsonl" --port-file "$out/am.port" --port 18081 &
am=$!
"$bin" run --interface "$BGPGEN_IFACE" --registry "$registry" --state-dir "$out/state" --http 127.0.0.1:9179 \
  --webhook http://127.0.0.1:18080/hook --alertmanager http://127.0.0.1:18081 2> "$out/daemon.err" &
daemon=$!
fetch() {
  python3 - "$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
try:
    body = urllib.request.urlopen("http://127.0.0.1:9179" + sys.argv[1], timeout=5).read()
except urllib.error.HTTPError as e:
    body = e.read()
open(sys.argv[2], "wb").write(body)
PY
}
stop() {
  fetch /metrics "$out/metrics.txt"
  fetch /healthz "$out/healthz.json"
  kill -TERM "$daemon"
  wait "$daemon"
  echo $? > "$out/daemon.rc"
  kill "$hook" "$am" 2>/dev/null
  exit 0
}
trap stop TERM
echo started > "$out/observer.started"
while kill -0 "$daemon" 2>/dev/null; do
  sleep 0.2 &
  wait $!
done
echo "daemon ended early" > "$out/daemon.rc"
