#!/usr/bin/env bash
# The live-capture integration test against a release build (the latency target is for what ships):
# a real BIRD -> GoBGP session in private network namespaces, `bgpsentry run` capturing on the veth.
# Needs root and `scripts/setup --live`. Prints the figures and leaves them in /tmp/bgpsentry-live-test.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product bgpsentry
BGPSENTRY_BINARY="$PWD/.build/release/bgpsentry" swift test --filter LiveCaptureTests
cat /tmp/bgpsentry-live-test.txt
