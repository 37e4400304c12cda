#!/usr/bin/env bash
# Coverage-guided fuzzing of BGPSentry's input paths with libFuzzer + AddressSanitizer (docs/SECURITY.md).
#
#   scripts/fuzz.sh --list                  names the targets
#   scripts/fuzz.sh TARGET SECONDS          builds TARGET, seeds it, fuzzes for SECONDS
#   scripts/fuzz.sh TARGET --runs N         … or for N executions
#   scripts/fuzz.sh TARGET --reproduce FILE runs one input (a finding) through TARGET
#   scripts/fuzz.sh --all SECONDS           every target in turn (what .ci/run does with 60)
#
# Exit status 0 when nothing was found; non-zero on any finding (crash, precondition failure, leak,
# timeout, out-of-memory). Reproducers go to fuzz-findings/TARGET/; the growing corpus is kept in
# .build-fuzz/corpus/TARGET. A finding is minimised while it still fails (`-minimize_crash=1 -runs=N`) and committed under
# Tests/Fixtures/fuzz/TARGET/, where FuzzRegressionTests runs it in every `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A DESCRIPTION=(
    [bgp-message]="one BGP message under every capability combination (4-octet AS, ADD-PATH, extended messages); decode, every route, encode round trip"
    [reassembly]="TCP reassembler and BGP framer fed arbitrary segment sequences (sequence numbers, SYN/FIN/RST, payloads) with small limits"
    [pipeline]="a whole pcap file through link/IP/TCP decoding, reassembly, sessions, detection with data sets, and alert JSON"
    [loaders]="prefix registry YAML, RPKI VRP/ASPA JSON (rpki-client, Routinator), RFC 8416 SLURM, CAIDA as-rel"
)
declare -A MAX_LEN=([bgp-message]=65600 [reassembly]=65536 [pipeline]=65536 [loaders]=16384)
TARGETS=(bgp-message reassembly pipeline loaders)

usage() {
    sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

if [[ $# -eq 1 && $1 == --list ]]; then
    for t in "${TARGETS[@]}"; do printf '%-12s %s\n' "$t" "${DESCRIPTION[$t]}"; done
    exit 0
fi
if [[ $# -eq 2 && $1 == --all ]]; then
    for t in "${TARGETS[@]}"; do "$0" "$t" "$2" || exit $?; done
    exit 0
fi
[[ $# -ge 2 ]] || usage
TARGET=$1
shift
[[ -n ${DESCRIPTION[$TARGET]:-} ]] || { echo "fuzz.sh: unknown target '$TARGET' (see --list)" >&2; exit 2; }

BUILD=.build-fuzz
echo "fuzz.sh: building fuzz-$TARGET with -sanitize=fuzzer,address" >&2
BGPSENTRY_FUZZ=1 swift build -c release --scratch-path "$BUILD" --product "fuzz-$TARGET" \
    -Xswiftc -sanitize=fuzzer,address >&2
BINARY=$(BGPSENTRY_FUZZ=1 swift build -c release --scratch-path "$BUILD" --show-bin-path)/fuzz-$TARGET

FINDINGS=fuzz-findings/$TARGET
CORPUS=$BUILD/corpus/$TARGET
mkdir -p "$FINDINGS" "$CORPUS"
# Each run gets its own artifact folder, so an old finding never makes a clean run look dirty.
run=()
case $1 in
    --reproduce)
        [[ $# -eq 2 ]] || usage
        SWIFT_BACKTRACE=enable=no exec "$BINARY" -runs=1 "$2"
        ;;
    --runs)
        [[ $# -eq 2 ]] || usage
        run=(-runs="$2")
        ;;
    *)
        [[ $1 =~ ^[0-9]+$ ]] || usage
        run=(-max_total_time="$1")
        ;;
esac
python3 scripts/fuzz-seeds.py "$TARGET" "$CORPUS" >&2
before=$(find "$FINDINGS" -type f | wc -l)
status=0
SWIFT_BACKTRACE=enable=no "$BINARY" "${run[@]}" -max_len="${MAX_LEN[$TARGET]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$FINDINGS/" "$CORPUS" "Tests/Fixtures/fuzz/$TARGET" || status=$?
after=$(find "$FINDINGS" -type f | wc -l)
if [[ $status -ne 0 || $after -ne $before ]]; then
    echo "fuzz.sh: $TARGET FOUND SOMETHING (exit $status); reproducers in $FINDINGS/:" >&2
    ls -t "$FINDINGS" | head -5 >&2
    exit $(( status == 0 ? 1 : status ))
fi
echo "fuzz.sh: $TARGET clean" >&2
