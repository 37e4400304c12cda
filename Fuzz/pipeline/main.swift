import FuzzDriver
import FuzzTargets

// The `pipeline` fuzz target (scripts/fuzz.sh): libFuzzer runs `PipelineTarget`'s checks.
FuzzDriver.run { PipelineTarget.run($0) }
