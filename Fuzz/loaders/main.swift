import FuzzDriver
import FuzzTargets

// The `loaders` fuzz target (scripts/fuzz.sh): libFuzzer runs `LoadersTarget`'s checks.
FuzzDriver.run { LoadersTarget.run($0) }
