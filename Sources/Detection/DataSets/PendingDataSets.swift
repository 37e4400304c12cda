/// Data sets that are still loading when a replay starts decoding (`FeedPipeline`): the detection engine takes
/// them before it applies its first event, and RFC 6811 counting of the prefixes announced meanwhile waits for
/// the RPKI payloads. Loading 600,000 ROAs and 500,000 AS relationships then overlaps reading the capture
/// instead of coming before it.
public struct PendingDataSets: Sendable {
    /// Whether RPKI payloads are among them: announced prefixes are queued for RFC 6811 counting from the start.
    public var includesRPKI: Bool
    /// Waits for the load (callable from several threads); `nil` when it failed — the caller reports why.
    public var wait: @Sendable () -> DataSets?

    public init(includesRPKI: Bool, wait: @escaping @Sendable () -> DataSets?) {
        self.includesRPKI = includesRPKI
        self.wait = wait
    }
}
