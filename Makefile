# The two commands of the README: `make demo` and `make test`.
.PHONY: demo test build release bench

demo:
	./scripts/setup
	swift build -c release --product bgpsentry
	.build/release/bgpsentry decode --format text Tests/Fixtures/captures/as4-session.pcap | head -40
	.build/release/bgpsentry decode --format summary Tests/Fixtures/captures/as2-session.pcap

test:
	./scripts/setup
	swift test

build:
	swift build

release:
	swift build -c release --product bgpsentry

bench:
	./scripts/setup --tools
	./scripts/bench.sh
