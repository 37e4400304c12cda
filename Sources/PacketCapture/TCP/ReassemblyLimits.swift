/// Memory and time bounds of TCP reassembly; every bound has a counter in `CaptureStatistics` when hit.
public struct ReassemblyLimits: Sendable, Hashable {
    /// Out-of-order segments held per direction before the hole is declared a gap.
    public var maxOutOfOrderSegments = 256
    /// Out-of-order bytes held per direction before the hole is declared a gap.
    public var maxOutOfOrderBytesPerDirection = 4 << 20
    /// Out-of-order plus partial-message bytes held over all flows; beyond it, flows are evicted.
    public var maxBufferedBytesTotal = 256 << 20
    /// TCP connections tracked at once; beyond it, connections that never carried BGP go first, then the
    /// least recently active (`CaptureDecoder.evictionOrder`).
    public var maxFlows = 100_000
    /// Sessions kept for summaries (`CaptureDecoder.sessions`); silent closed connections go first.
    public var maxListedSessions = 10_000
    /// A hole not filled within this much capture time is a gap (lost by the capture, not the network).
    public var gapTimeoutMicroseconds: Int64 = 2_000_000
    /// A connection with no segment for this long (capture time) is closed.
    public var idleTimeoutMicroseconds: Int64 = 30 * 60 * 1_000_000

    public init() {}

    /// The defaults with the three bounds an operator sets; out-of-order bytes per direction never
    /// exceed the total.
    public init(maxFlows: Int, maxBufferedBytesTotal: Int, maxOutOfOrderSegments: Int) {
        self.maxFlows = maxFlows
        self.maxBufferedBytesTotal = maxBufferedBytesTotal
        self.maxOutOfOrderSegments = maxOutOfOrderSegments
        maxOutOfOrderBytesPerDirection = min(maxOutOfOrderBytesPerDirection, maxBufferedBytesTotal)
    }
}
