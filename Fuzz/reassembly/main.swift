import FuzzDriver
import FuzzTargets

// The `reassembly` fuzz target (scripts/fuzz.sh): libFuzzer runs `ReassemblyTarget`'s checks.
FuzzDriver.run { ReassemblyTarget.run($0) }
