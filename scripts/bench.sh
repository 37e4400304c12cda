#!/usr/bin/env bash
# bench.sh - decode benchmark: BGPSentry vs tshark vs a bare libpcap read loop.
#
# Usage: scripts/bench.sh            (from anywhere; runs in the repo root)
# Env:
#   BENCH_DIR   where the capture and helper binaries live      (default /tmp/bgpcaps)
#   SHARED      the shared tools dir (pcap-floor)               (default <repo>/../shared)
#   RUNS        runs per command; the best wall time is kept    (default 3)
#   BUILD       1: swift build -c release --product bgpsentry   (default 1; 0 = use existing binary)
#   BGPSENTRY   binary to benchmark                             (default .build/release/bgpsentry)
#
# The capture $BENCH_DIR/bgp-1m.pcap is made once by scripts/bgpgen/gen-capture.sh (a real
# BIRD -> GoBGP session, 1,000,000 v4 + 100,000 v6 prefixes, ~140 s, ~3.6 GB RAM, needs root)
# and reused afterwards (it is complete once its .info.txt exists).
#
# To add a row: one more `measure NAME CMD...` line below. Ratios are computed against the
# rows named "bgpsentry" and "pcap_floor".
set -euo pipefail
export LC_ALL=C   # '.' as decimal separator in $EPOCHREALTIME and awk

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
BENCH_DIR=${BENCH_DIR:-/tmp/bgpcaps}
SHARED=${SHARED:-$REPO/../shared}
RUNS=${RUNS:-3}
BUILD=${BUILD:-1}
BGPSENTRY=${BGPSENTRY:-.build/release/bgpsentry}
PCAP=$BENCH_DIR/bgp-1m.pcap
TIME_BIN=/usr/bin/time

die() { echo "bench.sh: $*" >&2; exit 1; }
[[ -x $TIME_BIN ]] || die "$TIME_BIN missing (apt-get install time)"
[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash >= 5 (EPOCHREALTIME)"
command -v tshark >/dev/null || die "tshark missing (apt-get install tshark)"
mkdir -p "$BENCH_DIR"

# ------------------------------------------------------------------ capture ----
if [[ -s $PCAP && -s $PCAP.info.txt ]]; then
  echo "reusing $PCAP ($(stat -c %s "$PCAP") bytes)" >&2
else
  if [[ $(id -u) != 0 ]]; then
    die "$PCAP does not exist and generating it needs root (network namespaces).
  Run once as root:  sudo BENCH_DIR=$BENCH_DIR $0
  or by hand:        sudo scripts/bgpgen/gen-capture.sh $PCAP 1000000 100000 scripts/bgpgen/example-scenario.txt"
  fi
  echo "generating $PCAP (about 140 s, 3.6 GB RAM) ..." >&2
  scripts/bgpgen/gen-capture.sh "$PCAP" 1000000 100000 scripts/bgpgen/example-scenario.txt
fi

# ------------------------------------------------------------------- builds ----
if [[ $BUILD == 1 ]]; then
  swift build -c release --product bgpsentry
fi
[[ -x $BGPSENTRY ]] || echo "bench.sh: WARNING: $BGPSENTRY not found - its row will fail" >&2

FLOOR_SRC=$SHARED/tools/pcap-floor/pcap_floor.c
FLOOR_BIN=$BENCH_DIR/pcap_floor
[[ -r $FLOOR_SRC ]] || die "cannot read $FLOOR_SRC (set SHARED=)"
if [[ ! -x $FLOOR_BIN || $FLOOR_SRC -nt $FLOOR_BIN ]]; then
  cc -O2 -o "$FLOOR_BIN" "$FLOOR_SRC" -lpcap
fi

# ------------------------------------------------------------------ measure ----
declare -a NAMES=()
declare -A WALL=() RSS=() STATUS=()
FAILED=0

# measure NAME CMD...: run CMD $RUNS times under /usr/bin/time -f '%e %M'; keep the best wall
# time (measured with $EPOCHREALTIME, ms resolution) and the peak max-RSS over the runs.
# stdout goes to /dev/null; stderr of the first run is kept in $BENCH_DIR/bench-NAME.stderr
# (later runs: /dev/null).
measure() {
  local name=$1; shift
  local tf best="" peak=0 status=ok i rc line wall rss err t0 t1
  tf=$(mktemp)
  for ((i = 1; i <= RUNS; i++)); do
    err=/dev/null; ((i == 1)) && err=$BENCH_DIR/bench-$name.stderr
    rc=0
    t0=$EPOCHREALTIME
    "$TIME_BIN" -f '%e %M' -o "$tf" "$@" > /dev/null 2> "$err" || rc=$?
    t1=$EPOCHREALTIME
    line=$(tail -n 1 "$tf")        # "%e %M": wall s (10 ms resolution), max RSS KB
    rss=${line#* }
    # wall: bash's microsecond clock around the run (%e is too coarse for the pcap floor)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    if ((rc != 0)); then
      status="FAIL(rc=$rc)"
      echo "bench.sh: $name failed (exit $rc): $*" >&2
      [[ $err != /dev/null ]] && tail -n 5 "$err" >&2
      break
    fi
    if [[ -z $best ]] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$wall; fi
    ((rss > peak)) && peak=$rss
    echo "  $name run $i: ${wall} s, $((rss / 1024)) MB" >&2
  done
  rm -f "$tf"
  NAMES+=("$name"); WALL[$name]=${best:-NaN}; RSS[$name]=$peak; STATUS[$name]=$status
  [[ $status == ok ]] || FAILED=1
}

ratio() {  # ratio A B -> A/B with 2 decimals, "-" if unavailable
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NaN" || b == "NaN" || a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

echo "benchmarking on $PCAP, best of $RUNS" >&2
measure bgpsentry "$BGPSENTRY" decode --format summary "$PCAP"
measure tshark tshark -n -r "$PCAP" -T fields -e bgp.nlri_prefix -e bgp.mp_reach_nlri_ipv6_prefix -e bgp.withdrawn_prefix
measure pcap_floor "$FLOOR_BIN" "$PCAP"
# measure NAME CMD...   <- add more rows here

# -------------------------------------------------------------------- table ----
B=${WALL[bgpsentry]:-NaN}; [[ ${STATUS[bgpsentry]:-} == ok ]] || B=NaN
F=${WALL[pcap_floor]:-NaN}; [[ ${STATUS[pcap_floor]:-} == ok ]] || F=NaN
echo
echo "Capture: \`$PCAP\` ($(stat -c %s "$PCAP") bytes), best of $RUNS runs, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| tool | best wall s | peak RSS MB | tool / bgpsentry (tshark row = speedup) | tool / pcap_floor | status |"
echo "|---|---:|---:|---:|---:|---|"
for n in "${NAMES[@]}"; do
  w=${WALL[$n]}; [[ ${STATUS[$n]} == ok ]] || w=NaN
  printf '| %s | %s | %s | %s | %s | %s |\n' "$n" "$w" \
    "$(awk -v k="${RSS[$n]}" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "$(ratio "$w" "$B")" "$(ratio "$w" "$F")" "${STATUS[$n]}"
done
echo
T=${WALL[tshark]:-NaN}; [[ ${STATUS[tshark]:-} == ok ]] || T=NaN
x() { [[ $1 == - ]] && echo "n/a" || echo "${1}x"; }
echo "tshark / bgpsentry (speedup): $(x "$(ratio "$T" "$B")")"
echo "bgpsentry / pcap_floor:       $(x "$(ratio "$B" "$F")")"

if [[ -s $BENCH_DIR/bench-bgpsentry.stderr ]]; then
  echo
  echo "bgpsentry summary (stderr of the first run, $BENCH_DIR/bench-bgpsentry.stderr):"
  echo '```'
  cat "$BENCH_DIR/bench-bgpsentry.stderr"
  echo '```'
fi

if [[ ${STATUS[bgpsentry]:-missing} != ok ]]; then
  echo "bench.sh: bgpsentry FAILED" >&2
  exit 1
fi
((FAILED == 0)) || { echo "bench.sh: some baseline command failed" >&2; exit 2; }
