/// A registry still loading on another thread (`replay`): reading the capture starts at once, and the triage and
/// the engine take the registry before their first UPDATE (`FeedPipeline`), so that loading it overlaps reading
/// the first frames. (docs/ARCHITECTURE.md, "`replay` runs on three threads".)
public struct PendingRegistry: Sendable {
    /// Waits for the load (callable from several threads, and again); `nil` when it failed — the caller reports
    /// why.
    public var wait: @Sendable () -> Registry?

    public init(wait: @escaping @Sendable () -> Registry?) {
        self.wait = wait
    }
}
