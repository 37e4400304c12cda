import Detection
import Foundation
import Testing

@Suite("BatchedConsumer: ordered hand-over to a thread of its own")
struct BatchedConsumerTests {
    final class Seen: @unchecked Sendable {
        var values: [Int] = []
        var threads = Set<UInt64>()
    }

    @Test("every value once, in order, off the producer's thread; bounded queue with a slow consumer",
          arguments: [(1, 1), (7, 2), (256, 4), (10_000, 1)])
    func ordered(batchSize: Int, maximumBatches: Int) {
        let seen = Seen()
        let consumer = BatchedConsumer<Int>(batchSize: batchSize, maximumBatches: maximumBatches) { value in
            if value % 997 == 0 { usleep(200) }  // the producer must wait for room now and then
            seen.values.append(value)
            seen.threads.insert(UInt64(pthread_self()))
        }
        for value in 0..<5_000 { consumer.submit(value) }
        consumer.finish()
        #expect(seen.values == Array(0..<5_000))
        #expect(!seen.threads.contains(UInt64(pthread_self())))
        consumer.finish()  // a second call does nothing
        #expect(seen.values.count == 5_000)
    }

    @Test("nothing submitted: finish returns at once")
    func empty() {
        let consumer = BatchedConsumer<Int> { _ in Issue.record("no value was submitted") }
        consumer.finish()
    }
}
