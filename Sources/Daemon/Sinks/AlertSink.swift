/// A destination for alert events. `deliver` returns when the destination accepted the event and throws
/// when it did not (the worker retries with backoff). Implementations must not log secrets.
public protocol AlertSink: Sendable {
    func deliver(_ event: DeliveryEvent) async throws(SinkError)
    /// Events one call of `deliver(batch:)` may carry; 1 (the default) = one event per call.
    var batchLimit: Int { get }
    /// Delivers several events in one request, all accepted or all failed (sinks whose API takes a list).
    func deliver(batch: [DeliveryEvent]) async throws(SinkError)
    /// Reopen files or connections (SIGHUP, logrotate). Default: nothing.
    func reopen() async
    func shutdown() async
}

extension AlertSink {
    public var batchLimit: Int { 1 }

    public func deliver(batch: [DeliveryEvent]) async throws(SinkError) {
        for e in batch { try await deliver(e) }
    }

    public func reopen() async {}
    public func shutdown() async {}
}

/// Why a delivery failed: retried unless `permanent`.
public struct SinkError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The destination rejected this event for good (e.g. HTTP 400): it is skipped, loudly, not retried.
    public var permanent: Bool

    public init(_ message: String, permanent: Bool = false) {
        self.message = message
        self.permanent = permanent
    }

    public var description: String { message }
}
