# The two commands of the README: `make demo` and `make test`.
.PHONY: demo test build release bench install fuzz

demo:
	./scripts/setup
	swift build -c release --product bgpsentry
	.build/release/bgpsentry check-config --registry config/prefixes.yaml
	.build/release/bgpsentry replay --registry config/prefixes.yaml --format text Tests/Fixtures/demo/demo.pcap

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

install:
	./scripts/setup
	./scripts/install.sh

fuzz:
	./scripts/fuzz.sh --all 60
