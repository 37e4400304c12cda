import Foundation

/// The hand-over of reusable batches from one producer thread to one consumer thread, as replay's
/// `CaptureRelay`, `FeedPipeline` and `BatchedConsumer` use it: the producer fills a batch and submits it, the
/// consumer takes full batches in order and gives them back for reuse. At most `maximumBatches` exist, so memory
/// is bounded: the producer waits when all are full or in use. `end()` tells the consumer that no more will come.
///
/// A waiting thread is woken after the lock is released, and only when it waits: woken under the lock, it ran
/// only to find the lock taken and slept again on it (a second context switch per hand-over), and on two cores
/// the thread it woke often took the waker's core while the other core stood idle.
final class BatchQueue<Batch: AnyObject>: @unchecked Sendable {
    /// The bound; it may be raised for a while (`setMaximumBatches`).
    private var maximumBatches: Int
    /// Guards everything below, and whatever a caller keeps beside it (`withLock`).
    private let condition = NSCondition()
    private var full: [Batch] = []
    private var free: [Batch] = []
    private var made = 0
    private var ended = false
    /// Whether the producer or the consumer waits on `condition` (each side is one thread).
    private var producerWaits = false
    private var consumerWaits = false

    init(maximumBatches: Int) {
        self.maximumBatches = max(maximumBatches, 1)
    }

    /// Producer: a batch given back by the consumer, or `nil` when the caller may make a new one (it is counted
    /// as made); waits while `maximumBatches` exist and none is free. After the bound was lowered, batches given
    /// back go to `surplus` (for the caller to settle and release) until no more than the bound exist, and none is
    /// made meanwhile (a surplus batch was once replaced by a new one as it came back, so the bound never held
    /// again).
    func takeFree(surplus: (Batch) -> Void = { _ in }) -> Batch? {
        var dropped: [Batch] = []
        defer { dropped.forEach(surplus) }
        return condition.withLock {
            while true {
                while made > maximumBatches, let extra = free.popLast() {
                    dropped.append(extra)
                    made -= 1
                }
                if let batch = free.popLast() { return batch }
                if made < maximumBatches {
                    made += 1
                    return nil
                }
                producerWaits = true
                condition.wait()
                producerWaits = false
            }
        }
    }

    /// Either thread: changes the bound. Raising it lets a waiting producer make more batches at once; after
    /// lowering it, the producer releases surplus batches as they come back (`takeFree`).
    func setMaximumBatches(_ bound: Int) {
        condition.withLock { maximumBatches = max(bound, 1) }
        condition.broadcast()
    }

    /// Producer: queues a filled batch for the consumer.
    func submit(_ batch: Batch) {
        let wake = condition.withLock {
            full.append(batch)
            return consumerWaits
        }
        if wake { condition.broadcast() }
    }

    /// Producer: no more batches will come.
    func end() {
        condition.withLock { ended = true }
        condition.broadcast()
    }

    /// Consumer: the next full batch, in order; `nil` once the producer has ended and every batch was taken.
    func takeFull() -> Batch? {
        condition.withLock {
            while full.isEmpty && !ended {
                consumerWaits = true
                condition.wait()
                consumerWaits = false
            }
            return full.isEmpty ? nil : full.removeFirst()
        }
    }

    /// Consumer: gives a used batch back for reuse; `alsoUnderLock` updates what the caller guards with it.
    func giveBack(_ batch: Batch, alsoUnderLock: () -> Void = {}) {
        let wake = condition.withLock {
            alsoUnderLock()
            free.append(batch)
            return producerWaits
        }
        if wake { condition.broadcast() }
    }

    /// Producer, once the consumer has stopped: the batches given back and not taken again.
    func removeFree() -> [Batch] {
        condition.withLock {
            defer { free = [] }
            return free
        }
    }

    /// Runs `body` under the queue's lock (for state the caller shares between the two threads).
    func withLock<T>(_ body: () -> T) -> T {
        condition.withLock(body)
    }
}
