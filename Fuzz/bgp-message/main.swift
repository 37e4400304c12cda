import FuzzDriver
import FuzzTargets

// The `bgp-message` fuzz target (scripts/fuzz.sh): libFuzzer runs `BGPMessageTarget`'s checks.
FuzzDriver.run { BGPMessageTarget.run($0) }
