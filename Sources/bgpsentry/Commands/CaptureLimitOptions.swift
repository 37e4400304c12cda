import ArgumentParser
import PacketCapture

/// Resource bounds of TCP reassembly for `decode` and `replay` (the daemon reads them from `limits:`).
struct CaptureLimitOptions: ParsableArguments {
    @Option(name: .customLong("max-flows"), help: "TCP connections tracked at once; beyond it, connections that never carried BGP go first, then the least recently active.")
    var maxFlows: Int = ReassemblyLimits().maxFlows

    @Option(name: .customLong("max-reassembly-bytes"), help: "Bytes held by reassembly over all connections (out-of-order data and partial messages).")
    var maxReassemblyBytes: Int = ReassemblyLimits().maxBufferedBytesTotal

    @Option(name: .customLong("max-out-of-order"), help: "Out-of-order segments held per direction before the hole counts as a gap.")
    var maxOutOfOrder: Int = ReassemblyLimits().maxOutOfOrderSegments

    func validate() throws {
        guard maxFlows >= 1 else { throw ValidationError("--max-flows must be at least 1") }
        guard maxReassemblyBytes >= 65_536 else { throw ValidationError("--max-reassembly-bytes must be at least 65536") }
        guard maxOutOfOrder >= 1 else { throw ValidationError("--max-out-of-order must be at least 1") }
    }

    var limits: ReassemblyLimits {
        ReassemblyLimits(maxFlows: maxFlows, maxBufferedBytesTotal: maxReassemblyBytes, maxOutOfOrderSegments: maxOutOfOrder)
    }
}
