import Foundation

/// Hands values from one producer thread to a consumer thread of its own, in order and in batches (one lock
/// round per batch, not per value). At most `maximumBatches` full batches wait: the producer waits when the
/// consumer falls behind, so memory stays bounded. The thread starts with the first batch; `finish()` hands
/// over the rest and returns once the consumer has seen everything. Used by `replay` to format alert events
/// off the engine's thread.
public final class BatchedConsumer<Element>: @unchecked Sendable {
    private let batchSize: Int
    private let maximumBatches: Int
    private let consume: (Element) -> Void
    /// Producer side: values not yet handed over.
    private var pending: [Element] = []

    /// Guards `queued` and `ended`.
    private let condition = NSCondition()
    private var queued: [[Element]] = []
    private var ended = false
    private var thread: JoinableThread<Void, Never>?

    /// `consume` runs on the consumer thread, once per value, in the order they were submitted.
    public init(batchSize: Int = 256, maximumBatches: Int = 4, consume: @escaping (Element) -> Void) {
        self.batchSize = max(batchSize, 1)
        self.maximumBatches = max(maximumBatches, 1)
        self.consume = consume
    }

    /// Producer side.
    public func submit(_ value: Element) {
        pending.append(value)
        if pending.count >= batchSize { handOver() }
    }

    /// Producer side, after the last value: waits until the consumer has seen every value. Later calls do nothing.
    public func finish() {
        if !pending.isEmpty { handOver() }
        condition.withLock {
            ended = true
            condition.broadcast()
        }
        thread?.join()
        thread = nil
    }

    private func handOver() {
        if thread == nil { thread = JoinableThread { [self] in run() } }
        let batch = pending
        pending = []
        pending.reserveCapacity(batchSize)
        condition.withLock {
            while queued.count >= maximumBatches { condition.wait() }
            queued.append(batch)
            condition.broadcast()
        }
    }

    private func run() {
        while true {
            let next: [Element]? = condition.withLock {
                while queued.isEmpty && !ended { condition.wait() }
                guard !queued.isEmpty else { return nil }
                condition.broadcast()  // a producer waiting for room
                return queued.removeFirst()
            }
            guard let batch = next else { return }
            for value in batch { consume(value) }
        }
    }
}
