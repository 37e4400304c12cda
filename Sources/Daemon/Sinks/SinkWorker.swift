import Foundation
import Metrics
import NIOConcurrencyHelpers

/// Delivers one sink's events in journal order: a bounded in-memory queue fed by the pipeline, retries with
/// capped exponential backoff, and a cursor file advanced after each accepted event. Events the sink's
/// filter rejects advance the cursor without delivery. Up to `concurrency` events of different alerts are in
/// flight at once (https:// sinks default to 8, so a burst of alerts does not queue behind one remote round
/// trip each), or up to `batchLimit` go in one request; the cursor only moves past a contiguous run of
/// finished events.
public final class SinkWorker: Sendable {
    public let config: SinkConfig
    let sink: any AlertSink
    private let cursors: SinkCursors
    private let state: NIOLockedValueBox<State>
    private let wake: AsyncStream<Void>.Continuation
    private let wakeups: AsyncStream<Void>
    private let metrics: SinkMetrics

    struct State {
        var queue: [DeliveryEvent] = []
        var head = 0
        var cursor: UInt64
        var delivered = 0
        var failures = 0
        var dropped = 0
        var consecutiveFailures = 0
        var lastError: String?
        var stopping = false
        /// Events accepted while an earlier one failed: not sent again, passed when the cursor reaches them.
        var doneAhead: Set<UInt64> = []

        var pending: Int { queue.count - head }
    }

    /// A snapshot for /healthz and metrics.
    public struct Status: Sendable {
        public var name: String
        public var kind: String
        public var queued: Int
        public var cursor: UInt64
        public var delivered: Int
        public var failures: Int
        public var dropped: Int
        public var consecutiveFailures: Int
        public var lastError: String?
        public var healthy: Bool { consecutiveFailures == 0 }
    }

    public static let initialBackoff = 0.25
    public static let maximumBackoff = 30.0

    init(config: SinkConfig, sink: any AlertSink, cursors: SinkCursors, startCursor: UInt64) {
        self.config = config
        self.sink = sink
        self.cursors = cursors
        self.state = NIOLockedValueBox(State(cursor: startCursor))
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.metrics = SinkMetrics(sink: config.name, kind: config.kind.rawValue)
    }

    public var cursor: UInt64 { state.withLockedValue { $0.cursor } }

    public var status: Status {
        state.withLockedValue {
            Status(name: config.name, kind: config.kind.rawValue, queued: $0.pending, cursor: $0.cursor, delivered: $0.delivered,
                   failures: $0.failures, dropped: $0.dropped, consecutiveFailures: $0.consecutiveFailures, lastError: $0.lastError)
        }
    }

    /// Queues a journaled event (any thread; never blocks). A full queue drops its oldest event, loudly.
    public func enqueue(_ event: DeliveryEvent) {
        let droppedNow: DeliveryEvent? = state.withLockedValue { s in
            guard event.sequence > s.cursor else { return nil }
            var dropped: DeliveryEvent?
            if s.pending >= config.maximumQueue {
                dropped = s.queue[s.head]
                s.cursor = max(s.cursor, s.queue[s.head].sequence)
                s.head += 1
                s.dropped += 1
                while s.head < s.queue.count, s.doneAhead.remove(s.queue[s.head].sequence) != nil {
                    s.cursor = max(s.cursor, s.queue[s.head].sequence)
                    s.head += 1
                }
            }
            s.queue.append(event)
            if s.head > 4096, s.head * 2 > s.queue.count {
                s.queue.removeFirst(s.head)
                s.head = 0
            }
            return dropped
        }
        if let d = droppedNow {
            metrics.dropped.increment()
            DaemonLog.logger.error("sink \(config.name): queue full (\(config.maximumQueue)); dropped event \(d.sequence) \(d.type.rawValue) \(d.id) undelivered")
        }
        metrics.queueDepth.record(state.withLockedValue { $0.pending })
        wake.yield()
    }

    /// Delivers until `stop()` and the queue is drained (or `drainDeadline` passed after stop).
    func run(drainSeconds: Double) async {
        var backoff = Self.initialBackoff
        var stopAt: Date?
        var lastCursorSave = Date.distantPast
        var unsavedCursor = false
        defer { if unsavedCursor { saveCursor() } }
        while true {
            let batch = nextBatch()
            let stopping = state.withLockedValue { $0.stopping }
            if stopping, stopAt == nil { stopAt = Date().addingTimeInterval(drainSeconds) }
            if batch.isEmpty {
                if stopping { return }
                for await _ in wakeups { break }
                continue
            }
            if let stopAt, Date() > stopAt {
                DaemonLog.logger.warning("sink \(config.name): \(batch.count)+ events still undelivered at shutdown; they stay in the journal for the next start")
                return
            }
            let outcomes = await deliver(batch)
            var advanced = false
            var firstFailure: SinkError?
            for (event, outcome) in zip(batch, outcomes) {
                if let error = outcome, !error.permanent {
                    firstFailure = firstFailure ?? error
                    continue
                }
                if let error = outcome {
                    DaemonLog.logger.error("sink \(config.name): event \(event.sequence) refused for good, skipped: \(error.message)")
                    metrics.failures.increment()
                }
                if firstFailure == nil {
                    complete(event)
                    advanced = true
                } else {
                    // Delivered, but an earlier event must be retried first: remember it, do not resend it.
                    state.withLockedValue { _ = $0.doneAhead.insert(event.sequence) }
                }
            }
            // The cursor file is written when the queue is drained or every 200 ms during a burst, not after
            // every event: a burst is not slowed by file writes, and a crash re-delivers at most that window.
            if advanced {
                unsavedCursor = true
                let drained = state.withLockedValue { $0.pending == 0 }
                if drained || Date().timeIntervalSince(lastCursorSave) >= 0.2 {
                    saveCursor()
                    lastCursorSave = Date()
                    unsavedCursor = false
                }
            }
            if let failure = firstFailure {
                let n = state.withLockedValue { s -> Int in
                    s.failures += 1
                    s.consecutiveFailures += 1
                    s.lastError = failure.message
                    return s.consecutiveFailures
                }
                metrics.failures.increment()
                if n == 1 || n.nonzeroBitCount == 1 {
                    DaemonLog.logger.warning("sink \(config.name): delivery failed (\(n) in a row), retrying in \(backoff) s: \(failure.message)")
                }
                try? await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
                backoff = min(backoff * 2, Self.maximumBackoff)
            } else {
                backoff = Self.initialBackoff
            }
        }
    }

    /// The next events to send at once: up to `concurrency`, stopping before a second event of the same alert
    /// (an alert's firing and resolved events always arrive in order).
    private func nextBatch() -> [DeliveryEvent] {
        state.withLockedValue { s in
            var out: [DeliveryEvent] = []
            var ids: Set<String> = []
            var i = s.head
            let limit = sink.batchLimit > 1 ? sink.batchLimit : config.concurrency
            while i < s.queue.count, out.count < limit {
                let e = s.queue[i]
                i += 1
                if s.doneAhead.contains(e.sequence) { continue }
                guard ids.insert(e.id).inserted else { break }
                out.append(e)
            }
            return out
        }
    }

    private func saveCursor() {
        let c = cursor
        if !cursors.store(c, for: config.name) {
            DaemonLog.logger.error("sink \(config.name): cannot store cursor \(c) (events may be delivered again after a restart)")
        }
    }

    private func deliver(_ batch: [DeliveryEvent]) async -> [SinkError?] {
        let filter = config.filter
        if sink.batchLimit > 1 { return await deliverTogether(batch, filter) }
        if batch.count == 1 { return [await deliverOne(batch[0], filter)] }
        return await withTaskGroup(of: (Int, SinkError?).self) { group in
            for (i, e) in batch.enumerated() { group.addTask { (i, await self.deliverOne(e, filter)) } }
            var out = [SinkError?](repeating: nil, count: batch.count)
            for await (i, r) in group { out[i] = r }
            return out
        }
    }

    /// One request for every event the filter accepts (a sink whose API takes a list).
    private func deliverTogether(_ batch: [DeliveryEvent], _ filter: SinkFilter) async -> [SinkError?] {
        let accepted = batch.filter { filter.accepts(severity: $0.severity, type: $0.type, group: $0.group) }
        guard !accepted.isEmpty else { return batch.map { _ in nil } }
        do {
            try await sink.deliver(batch: accepted)
        } catch {
            let ids = Set(accepted.map(\.sequence))
            return batch.map { ids.contains($0.sequence) ? error : nil }
        }
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        for event in accepted {
            metrics.delivered.increment()
            if let captured = event.captureMicroseconds { metrics.latency.recordNanoseconds(max(0, now - captured) * 1000) }
        }
        return batch.map { _ in nil }
    }

    private func deliverOne(_ event: DeliveryEvent, _ filter: SinkFilter) async -> SinkError? {
        guard filter.accepts(severity: event.severity, type: event.type, group: event.group) else { return nil }
        do {
            try await sink.deliver(event)
        } catch {
            return error
        }
        metrics.delivered.increment()
        if let captured = event.captureMicroseconds {
            let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
            metrics.latency.recordNanoseconds(max(0, now - captured) * 1000)
        }
        return nil
    }

    private func complete(_ event: DeliveryEvent) {
        state.withLockedValue { s in
            if s.head < s.queue.count, s.queue[s.head].sequence == event.sequence { s.head += 1 }
            s.cursor = max(s.cursor, event.sequence)
            while s.head < s.queue.count, s.doneAhead.remove(s.queue[s.head].sequence) != nil {
                s.cursor = max(s.cursor, s.queue[s.head].sequence)
                s.head += 1
                s.delivered += 1
            }
            s.delivered += 1
            if s.consecutiveFailures > 0 {
                DaemonLog.logger.notice("sink \(config.name): delivering again after \(s.consecutiveFailures) failures")
            }
            s.consecutiveFailures = 0
            s.lastError = nil
        }
        metrics.queueDepth.record(state.withLockedValue { $0.pending })
    }

    /// Asks `run` to finish: it drains what is queued (bounded by its drain time) and returns.
    func stop() {
        state.withLockedValue { $0.stopping = true }
        wake.yield()
    }
}

/// The swift-metrics handles of one sink.
struct SinkMetrics: Sendable {
    let delivered: Counter
    let failures: Counter
    let dropped: Counter
    let queueDepth: Gauge
    let latency: Metrics.Timer

    init(sink: String, kind: String) {
        let d = [("sink", sink), ("kind", kind)]
        delivered = Counter(label: "bgpsentry_sink_deliveries_total", dimensions: d)
        failures = Counter(label: "bgpsentry_sink_failures_total", dimensions: d)
        dropped = Counter(label: "bgpsentry_sink_dropped_total", dimensions: d)
        queueDepth = Gauge(label: "bgpsentry_sink_queue_depth", dimensions: d)
        latency = Metrics.Timer(label: "bgpsentry_capture_to_sink_seconds", dimensions: d)
    }
}
