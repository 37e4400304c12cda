#!/usr/bin/env bash
# bench.sh - decode benchmark: BGPSentry vs tshark vs a bare libpcap read loop; replay
# (detection) benchmark on a benign capture with the zero-false-positive check, and with the RPKI and
# AS-relationships data sets (target: <= 1.5x the replay without them); registry and data-set load.
#
# Usage: scripts/bench.sh            (from anywhere; runs in the repo root)
# Env:
#   BENCH_DIR   where the capture and helper binaries live      (default /tmp/bgpcaps)
#   SHARED      the shared tools dir (pcap-floor)               (default <repo>/../shared)
#   RUNS        runs per command; best and median wall are kept (default 3)
#   BUILD       1: swift build -c release --product bgpsentry   (default 1; 0 = use existing binary)
#   BGPSENTRY   binary to benchmark                             (default .build/release/bgpsentry)
#
# The captures are made once by scripts/bgpgen/gen-capture.sh (a real BIRD -> GoBGP session,
# 1,000,000 v4 + 100,000 v6 prefixes, 3-9 min, ~3.6 GB RAM, needs root) and reused afterwards
# (a capture is complete once its .info.txt exists):
#   $BENCH_DIR/bgp-1m.pcap        scripts/bgpgen/example-scenario.txt (table + a few incidents)
#   $BENCH_DIR/bgp-1m-clean.pcap  scripts/bench-scenario.txt (benign: the random table avoids every
#                                 prefix and ASN of config/prefixes.yaml, which only the legitimate
#                                 routes announce; no incidents)
# Registries (made by scripts/gen-registry.py when missing or older than their input):
#   registry-10k-clean.yaml  --allow-covered from-table 10000 of bgp-1m-clean.pcap (decoded to
#                            bgp-1m-clean.jsonl)
#   registry-bench.yaml      merge config/prefixes.yaml + registry-10k-clean.yaml (the replay registry)
#   registry-100k.yaml, registry-1m.yaml   synthetic 100000 / 1000000 (load-time rows)
# Data sets (made by scripts/gen-datasets.py from bgp-1m-clean.jsonl when missing or older than it or
# the generator; synthetic, built to agree with the capture - see the script's docstring):
#   vrps-600k.json     rpki-client -j: 600000 ROAs (no announced route RPKI-Invalid), 20000 ASPA records
#   as-rel-bench.txt   CAIDA serial-2: 500000 AS pairs, every pair adjacent in the capture's paths included
# The replay_datasets row replays bgp-1m-clean.pcap with --rpki vrps-600k.json --as-rel as-rel-bench.txt;
# its alert events are counted by type (route-leak alerts are expected: random transit orders cannot all
# be valley-free), not judged. Targets: replay_datasets / replay <= 1.50x (judged by the median of the ratios of
# the run pairs, each pair made seconds apart; best and median ratios are shown too); load_rpki < 2 s.
# Zero false positives: the replay of bgp-1m-clean.pcap against registry-bench.yaml must emit no
# alert event other than session-down (the capture ends with a NOTIFICATION); otherwise the
# offending lines are printed and bench.sh exits 3.
#
# To add a row: one more `measure NAME CMD...` line below, in the section (SECTION=...) whose
# table it belongs to. Ratios are computed against the rows named "bgpsentry" and "pcap_floor"
# (decode), "replay" (replay, data-set replay); KEEP_STDOUT=1 measure ... keeps the first run's stdout in
# $BENCH_DIR/bench-NAME.stdout. Every row reports its best and its median wall time; replay and
# replay_datasets run alternately (measure_alternating), so that their ratio compares like with like.
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
CLEAN=$BENCH_DIR/bgp-1m-clean.pcap
TIME_BIN=/usr/bin/time

die() { echo "bench.sh: $*" >&2; exit 1; }
[[ -x $TIME_BIN ]] || die "$TIME_BIN missing (apt-get install time)"
[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash >= 5 (EPOCHREALTIME)"
command -v tshark >/dev/null || die "tshark missing (apt-get install tshark)"
mkdir -p "$BENCH_DIR"

# ----------------------------------------------------------------- captures ----
capture() {  # capture PCAP SCENARIO: reuse PCAP if complete, else generate it (root only)
  local pcap=$1 scen=$2
  if [[ -s $pcap && -s $pcap.info.txt ]]; then
    echo "reusing $pcap ($(stat -c %s "$pcap") bytes)" >&2
    return
  fi
  if [[ $(id -u) != 0 ]]; then
    die "$pcap does not exist and generating it needs root (network namespaces).
  Run once as root:  sudo BENCH_DIR=$BENCH_DIR $0
  or by hand:        sudo scripts/bgpgen/gen-capture.sh $pcap 1000000 100000 $scen"
  fi
  echo "generating $pcap (3-9 min, 3.6 GB RAM) ..." >&2
  scripts/bgpgen/gen-capture.sh "$pcap" 1000000 100000 "$scen"
}
capture "$PCAP" scripts/bgpgen/example-scenario.txt
capture "$CLEAN" scripts/bench-scenario.txt

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

# --------------------------------------------------------------- registries ----
# stale OUT IN...: true if OUT is missing/empty or older than one of IN
stale() { local out=$1 f; shift; [[ -s $out ]] || return 0; for f; do [[ $f -nt $out ]] && return 0; done; return 1; }
# make_file OUT CMD...: run CMD with the output path OUT.tmp, then move it to OUT (no partial OUT)
make_file() { local out=$1; shift; echo "making $out" >&2; "$@" "$out.tmp" && mv "$out.tmp" "$out"; }
GEN=scripts/gen-registry.py
CLEAN_JSONL=$BENCH_DIR/bgp-1m-clean.jsonl
REG_10K=$BENCH_DIR/registry-10k-clean.yaml
REG_BENCH=$BENCH_DIR/registry-bench.yaml
REG_100K=$BENCH_DIR/registry-100k.yaml
REG_1M=$BENCH_DIR/registry-1m.yaml
decode_jsonl() { "$BGPSENTRY" decode --format jsonl "$CLEAN" > "$1"; }
if stale "$CLEAN_JSONL" "$CLEAN"; then make_file "$CLEAN_JSONL" decode_jsonl; fi
if stale "$REG_10K" "$CLEAN_JSONL" "$GEN"; then make_file "$REG_10K" "$GEN" --allow-covered from-table 10000 "$CLEAN_JSONL"; fi
if stale "$REG_BENCH" "$REG_10K" config/prefixes.yaml "$GEN"; then make_file "$REG_BENCH" "$GEN" merge config/prefixes.yaml "$REG_10K"; fi
if stale "$REG_100K" "$GEN"; then make_file "$REG_100K" "$GEN" synthetic 100000; fi
if stale "$REG_1M" "$GEN"; then make_file "$REG_1M" "$GEN" synthetic 1000000; fi
GEN_DS=scripts/gen-datasets.py   # imports helpers from $GEN
VRPS=$BENCH_DIR/vrps-600k.json
AS_REL=$BENCH_DIR/as-rel-bench.txt
if stale "$VRPS" "$CLEAN_JSONL" "$GEN_DS" "$GEN"; then make_file "$VRPS" "$GEN_DS" vrps "$CLEAN_JSONL"; fi
if stale "$AS_REL" "$CLEAN_JSONL" "$GEN_DS" "$GEN"; then make_file "$AS_REL" "$GEN_DS" as-rel "$CLEAN_JSONL"; fi

# ------------------------------------------------------------------ measure ----
declare -a NAMES=()
declare -A WALL=() MEDIAN=() RSS=() STATUS=() SECT=() RUNWALLS=() RUNCOUNT=()
FAILED=0
SECTION=decode

# run_once NAME CMD...: one run of CMD under /usr/bin/time -f '%e %M'; its wall time (measured with
# $EPOCHREALTIME, ms resolution) joins NAME's list, its max-RSS NAME's peak. The row is created in the
# current SECTION on its first run. stdout goes to /dev/null (first run with KEEP_STDOUT=1:
# $BENCH_DIR/bench-NAME.stdout); stderr of the first run is kept in $BENCH_DIR/bench-NAME.stderr.
run_once() {
  local name=$1; shift
  local tf rc=0 line wall rss err=/dev/null out=/dev/null t0 t1 i
  if [[ -z ${SECT[$name]:-} ]]; then
    NAMES+=("$name"); SECT[$name]=$SECTION; STATUS[$name]=ok; RSS[$name]=0; RUNWALLS[$name]=""; RUNCOUNT[$name]=0
  fi
  [[ ${STATUS[$name]} == ok ]] || return 0
  i=$((RUNCOUNT[$name] + 1)); RUNCOUNT[$name]=$i
  ((i == 1)) && err=$BENCH_DIR/bench-$name.stderr
  ((i == 1)) && [[ ${KEEP_STDOUT:-0} == 1 ]] && out=$BENCH_DIR/bench-$name.stdout
  tf=$(mktemp)
  t0=$EPOCHREALTIME
  "$TIME_BIN" -f '%e %M' -o "$tf" "$@" > "$out" 2> "$err" || rc=$?
  t1=$EPOCHREALTIME
  line=$(tail -n 1 "$tf"); rm -f "$tf"   # "%e %M": wall s (10 ms resolution), max RSS KB
  rss=${line#* }
  # wall: bash's microsecond clock around the run (%e is too coarse for the pcap floor)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  if ((rc != 0)); then
    STATUS[$name]="FAIL(rc=$rc)"; FAILED=1
    echo "bench.sh: $name failed (exit $rc): $*" >&2
    [[ $err != /dev/null ]] && tail -n 5 "$err" >&2
    return 0
  fi
  RUNWALLS[$name]+="$wall "
  ((rss > RSS[$name])) && RSS[$name]=$rss
  echo "  $name run $i: ${wall} s, $((rss / 1024)) MB" >&2
}

# summarise NAME: best and median wall time of NAME's runs (NaN when it failed or never ran).
summarise() {
  local name=$1
  if [[ ${STATUS[$name]} != ok || -z ${RUNWALLS[$name]// /} ]]; then WALL[$name]=NaN; MEDIAN[$name]=NaN; return; fi
  read -r "WALL[$name]" "MEDIAN[$name]" < <(tr ' ' '\n' <<< "${RUNWALLS[$name]}" | grep . | sort -g |
    awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f\n", v[1], m }')
}

# measure NAME CMD...: RUNS runs of CMD, one after the other.
measure() {
  local i
  for ((i = 1; i <= RUNS; i++)); do run_once "$@"; done
  summarise "$1"
}

# measure_alternating NAME1 NAME2 CMD1... -- CMD2...: RUNS runs of each, alternating (AB BA AB ...), so that
# both rows see the machine in the same states (the data-set ratio compares two rows; on a shared VM the load
# drifts, within a run by ±30 %): run i of NAME1 and run i of NAME2 are neighbours in time, a pair.
measure_alternating() {
  local a=$1 b=$2 i; shift 2
  local -a first=() second=()
  while [[ $1 != -- ]]; do first+=("$1"); shift; done
  shift; second=("$@")
  for ((i = 1; i <= RUNS; i++)); do
    if ((i % 2)); then run_once "$a" "${first[@]}"; run_once "$b" "${second[@]}"
    else run_once "$b" "${second[@]}"; run_once "$a" "${first[@]}"; fi
  done
  summarise "$a"; summarise "$b"
}

# pair_ratio A B: the median over the runs i of (B's run i / A's run i) — runs made seconds apart, so that the
# machine's drift between rounds cancels out ("-" when a row failed).
pair_ratio() {
  [[ ${STATUS[$1]:-} == ok && ${STATUS[$2]:-} == ok ]] || { echo "-"; return; }
  paste <(tr ' ' '\n' <<< "${RUNWALLS[$1]}" | grep .) <(tr ' ' '\n' <<< "${RUNWALLS[$2]}" | grep .) |
    awk '$1 > 0 { print $2 / $1 }' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f\n", m }'
}

ratio() {  # ratio A B -> A/B with 2 decimals, "-" if unavailable
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NaN" || b == "NaN" || a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

TSHARK_FIELDS=(-T fields -e bgp.nlri_prefix -e bgp.mp_reach_nlri_ipv6_prefix -e bgp.withdrawn_prefix)
echo "benchmarking on $PCAP, $CLEAN and registries, $RUNS runs each" >&2
SECTION=decode      # on $PCAP
measure bgpsentry "$BGPSENTRY" decode --format summary "$PCAP"
measure tshark tshark -n -r "$PCAP" "${TSHARK_FIELDS[@]}"
measure pcap_floor "$FLOOR_BIN" "$PCAP"
SECTION=replay      # on $CLEAN
KEEP_STDOUT=1 measure_alternating replay replay_datasets \
  "$BGPSENTRY" replay --registry "$REG_BENCH" --format jsonl "$CLEAN" -- \
  "$BGPSENTRY" replay --registry "$REG_BENCH" --rpki "$VRPS" --as-rel "$AS_REL" --format jsonl "$CLEAN"
measure tshark_clean tshark -n -r "$CLEAN" "${TSHARK_FIELDS[@]}"
SECTION=registry    # load time
KEEP_STDOUT=1 measure load_100k "$BGPSENTRY" check-config --registry "$REG_100K"
KEEP_STDOUT=1 measure load_1m "$BGPSENTRY" check-config --registry "$REG_1M"
KEEP_STDOUT=1 measure load_rpki "$BGPSENTRY" check-config --rpki "$VRPS"
KEEP_STDOUT=1 measure load_asrel "$BGPSENTRY" check-config --as-rel "$AS_REL"
# measure NAME CMD...   <- add more rows here

# -------------------------------------------------------------------- table ----
B=${WALL[bgpsentry]:-NaN}; [[ ${STATUS[bgpsentry]:-} == ok ]] || B=NaN
F=${WALL[pcap_floor]:-NaN}; [[ ${STATUS[pcap_floor]:-} == ok ]] || F=NaN
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo
echo "Capture: \`$PCAP\` ($(stat -c %s "$PCAP") bytes), $RUNS runs, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| tool | best wall s | median wall s | peak RSS MB | tool / bgpsentry (tshark row = speedup) | tool / pcap_floor | status |"
echo "|---|---:|---:|---:|---:|---:|---|"
for n in "${NAMES[@]}"; do
  [[ ${SECT[$n]} == decode ]] || continue
  w=${WALL[$n]}; [[ ${STATUS[$n]} == ok ]] || w=NaN
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$w" "${MEDIAN[$n]}" \
    "$(awk -v k="${RSS[$n]}" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "$(ratio "$w" "$B")" "$(ratio "$w" "$F")" "${STATUS[$n]}"
done
echo
T=${WALL[tshark]:-NaN}; [[ ${STATUS[tshark]:-} == ok ]] || T=NaN
x() { [[ $1 == - ]] && echo "n/a" || echo "${1}x"; }
echo "tshark / bgpsentry (speedup): $(x "$(ratio "$T" "$B")") (medians: $(x "$(ratio "${MEDIAN[tshark]:-NaN}" "${MEDIAN[bgpsentry]:-NaN}")"))"
echo "bgpsentry / pcap_floor:       $(x "$(ratio "$B" "$F")")"

R=${WALL[replay]:-NaN}; [[ ${STATUS[replay]:-} == ok ]] || R=NaN
echo
echo "Replay: \`$CLEAN\` ($(stat -c %s "$CLEAN") bytes, benign), registry \`$REG_BENCH\`" \
  "($(grep -c -- '- prefix:' "$REG_BENCH") prefixes: config/prefixes.yaml + from-table), $RUNS runs each, alternating"
echo
echo "| tool | best wall s | median wall s | peak RSS MB | tool / replay (tshark row = speedup) | status |"
echo "|---|---:|---:|---:|---:|---|"
for n in "${NAMES[@]}"; do
  [[ ${SECT[$n]} == replay ]] || continue
  w=${WALL[$n]}; [[ ${STATUS[$n]} == ok ]] || w=NaN
  printf '| %s | %s | %s | %s | %s | %s |\n' "$n" "$w" "${MEDIAN[$n]}" "$(mb "${RSS[$n]}")" "$(ratio "$w" "$R")" "${STATUS[$n]}"
done
echo
TC=${WALL[tshark_clean]:-NaN}; [[ ${STATUS[tshark_clean]:-} == ok ]] || TC=NaN
echo "tshark(clean) / replay (speedup): $(x "$(ratio "$TC" "$R")") (medians: $(x "$(ratio "${MEDIAN[tshark_clean]:-NaN}" "${MEDIAN[replay]:-NaN}")"))"
# met VALUE COND: "met" / "NOT met" for the awk condition COND on VALUE; "n/a" when VALUE is "-" or NaN
met() { [[ $1 == - || $1 == NaN ]] && { echo "n/a"; return; }; awk "BEGIN { exit !($2) }" && echo "met" || echo "NOT met"; }
RD=${WALL[replay_datasets]:-NaN}; [[ ${STATUS[replay_datasets]:-} == ok ]] || RD=NaN
RDR=$(ratio "$RD" "$R")
RDM=$(ratio "${MEDIAN[replay_datasets]:-NaN}" "${MEDIAN[replay]:-NaN}")
RDP=$(pair_ratio replay replay_datasets)
echo "replay with data sets / replay (runs alternated): median of the $RUNS run pairs $(x "$RDP") (target ≤ 1.50x):" \
  "$(met "$RDP" "$RDP <= 1.50"); best $(x "$RDR"): $(met "$RDR" "$RDR <= 1.50"); medians $(x "$RDM"): $(met "$RDM" "$RDM <= 1.50")"

echo
echo "Registry and data-set load (\`bgpsentry check-config\`), $RUNS runs"
echo
echo "| row | file | best wall s | median wall s | peak RSS MB | check-config output | status |"
echo "|---|---|---:|---:|---:|---|---|"
for n in "${NAMES[@]}"; do
  [[ ${SECT[$n]} == registry ]] || continue
  w=${WALL[$n]}; [[ ${STATUS[$n]} == ok ]] || w=NaN
  line=$(head -n 1 "$BENCH_DIR/bench-$n.stdout" 2>/dev/null || true)
  reg=${line%%: *}; msg=${line#*: }
  printf '| %s | `%s` | %s | %s | %s | %s | %s |\n' "$n" "$(basename "$reg")" "$w" "${MEDIAN[$n]}" "$(mb "${RSS[$n]}")" "${msg:-?}" "${STATUS[$n]}"
done
echo
LR=${WALL[load_rpki]:-NaN}; [[ ${STATUS[load_rpki]:-} == ok ]] || LR=NaN
echo "load_rpki: $LR s (target < 2 s): $(met "$LR" "$LR < 2")"

if [[ -s $BENCH_DIR/bench-bgpsentry.stderr ]]; then
  echo
  echo "bgpsentry summary (stderr of the first run, $BENCH_DIR/bench-bgpsentry.stderr):"
  echo '```'
  cat "$BENCH_DIR/bench-bgpsentry.stderr"
  echo '```'
fi

for n in replay replay_datasets; do
  [[ -s $BENCH_DIR/bench-$n.stderr ]] || continue
  echo
  echo "$n summary (stderr of the first run, $BENCH_DIR/bench-$n.stderr):"
  echo '```'
  cat "$BENCH_DIR/bench-$n.stderr"
  echo '```'
done

# ------------------------------------------------------ data-set replay alerts ----
# Counted, not judged: the synthetic data sets agree with the capture (no RPKI-Invalid route, no ASPA-Invalid
# path) but random transit orders make some paths not valley-free (route-leak, method valley-free).
if [[ ${STATUS[replay_datasets]:-missing} == ok ]]; then
  DS_OUT=$BENCH_DIR/bench-replay_datasets.stdout
  echo
  echo "Data-set replay alert events ($(grep -c . "$DS_OUT" || true) in $DS_OUT), by type, status and method:"
  echo
  echo "| type | status | method | events |"
  echo "|---|---|---|---:|"
  # bgpsentry.alert/v1 starts {"schema":…,"id":…,"status":…,"type":…; "method" is a top-level field
  sed -nE 's/^\{"schema":"[^"]*","id":"[^"]*","status":"([^"]*)","type":"([^"]*)".*"method":(null|"[^"]*").*$/\2 \1 \3/p' \
    "$DS_OUT" | tr -d '"' | sort | uniq -c |
    awk '{ printf "| %s | %s | %s | %d |\n", $2, $3, ($4 == "null" ? "-" : $4), $1 }'
fi

# --------------------------------------------------- zero false positives ----
# Every alert event of the replay (stdout of its first run) must be session-down.
FP=0
if [[ ${STATUS[replay]:-missing} == ok ]]; then
  NEV=$(grep -c . "$BENCH_DIR/bench-replay.stdout" || true)
  BAD=$(grep -v '"type":"session-down"' "$BENCH_DIR/bench-replay.stdout" || true)
  echo
  if [[ -n $BAD ]]; then
    FP=$(grep -c . <<< "$BAD")
    echo "False positives: FAIL - $FP of $NEV alert events on the benign capture are not session-down:"
    echo '```'
    echo "$BAD"
    echo '```'
  else
    echo "False positives: none ($NEV alert events, all session-down) on the benign capture."
  fi
fi

if [[ ${STATUS[bgpsentry]:-missing} != ok || ${STATUS[replay]:-missing} != ok ||
      ${STATUS[replay_datasets]:-missing} != ok || ${STATUS[load_100k]:-missing} != ok ||
      ${STATUS[load_1m]:-missing} != ok || ${STATUS[load_rpki]:-missing} != ok ||
      ${STATUS[load_asrel]:-missing} != ok ]]; then
  echo "bench.sh: a bgpsentry row FAILED" >&2
  exit 1
fi
((FP == 0)) || { echo "bench.sh: replay raised $FP false-positive alert events" >&2; exit 3; }
((FAILED == 0)) || { echo "bench.sh: some baseline command failed" >&2; exit 2; }
