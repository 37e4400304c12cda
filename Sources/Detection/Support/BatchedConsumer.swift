/// Hands values from one producer thread to a consumer thread of its own, in order and in batches (one lock
/// round per batch, not per value), through a `BatchQueue`: at most `maximumBatches` full batches wait, so the
/// producer waits when the consumer falls behind and memory stays bounded. The thread starts with the first
/// batch; `finish()` hands over the rest and returns once the consumer has seen everything. Used by `replay`
/// to format alert events off the engine's thread.
public final class BatchedConsumer<Element>: @unchecked Sendable {
    /// A batch of values, reused once consumed.
    private final class Batch {
        var values: [Element] = []
    }

    private let batchSize: Int
    private let consume: (Element) -> Void
    /// Batches: the one being filled and up to `maximumBatches` waiting.
    private let queue: BatchQueue<Batch>
    /// Producer side.
    private var filling = Batch()
    private var thread: JoinableThread<Void, Never>?
    private var finished = false

    /// `consume` runs on the consumer thread, once per value, in the order they were submitted.
    public init(batchSize: Int = 256, maximumBatches: Int = 4, consume: @escaping (Element) -> Void) {
        self.batchSize = max(batchSize, 1)
        self.consume = consume
        queue = BatchQueue(maximumBatches: max(maximumBatches, 1) + 1)
        _ = queue.takeFree()  // `filling`, made above
    }

    /// Producer side.
    public func submit(_ value: Element) {
        filling.values.append(value)
        if filling.values.count >= batchSize { handOver() }
    }

    /// Producer side, after the last value: waits until the consumer has seen every value. Later calls do nothing.
    public func finish() {
        guard !finished else { return }
        finished = true
        if !filling.values.isEmpty { handOver() }
        queue.end()
        thread?.join()
        thread = nil
    }

    private func handOver() {
        if thread == nil { thread = JoinableThread { [self] in run() } }
        queue.submit(filling)
        filling = queue.takeFree() ?? Batch()
    }

    private func run() {
        while let batch = queue.takeFull() {
            for value in batch.values { consume(value) }
            batch.values.removeAll(keepingCapacity: true)
            queue.giveBack(batch)
        }
    }
}
