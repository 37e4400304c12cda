@testable import Detection
import Foundation
import Testing

@Suite("BatchQueue: bounded, ordered hand-over of reusable batches")
struct BatchQueueTests {
    final class Box: @unchecked Sendable {
        var values: [Int] = []
        let serial: Int
        init(serial: Int) { self.serial = serial }
    }

    final class Seen: @unchecked Sendable {
        var values: [Int] = []
        var serials = Set<Int>()
    }

    @Test("full batches in order, never more than the maximum made, used ones reused", arguments: [1, 2, 4])
    func ordered(maximumBatches: Int) {
        let queue = BatchQueue<Box>(maximumBatches: maximumBatches)
        let seen = Seen()
        let consumer = JoinableThread<Void, Never> {
            while let box = queue.takeFull() {
                if box.values.first.map({ $0 % 7 == 0 }) ?? false { usleep(300) }  // the producer waits now and then
                queue.giveBack(box) {
                    seen.values += box.values
                    seen.serials.insert(box.serial)
                }
            }
        }
        var made = 0
        for start in stride(from: 0, to: 3_000, by: 10) {
            let box = queue.takeFree() ?? { made += 1; return Box(serial: made) }()
            box.values = Array(start..<start + 10)
            queue.submit(box)
        }
        queue.end()
        consumer.join()
        #expect(seen.values == Array(0..<3_000))
        #expect(made <= maximumBatches && seen.serials.count == made)
        #expect(queue.removeFree().count == made)
        #expect(queue.removeFree().isEmpty)
    }

    @Test("ended without a batch: the consumer gets nil at once")
    func empty() {
        let queue = BatchQueue<Box>(maximumBatches: 2)
        queue.end()
        #expect(queue.takeFull() == nil)
    }

    @Test("a raised bound lets the producer make more at once; after lowering it, surplus batches come back to be released")
    func raisedBound() {
        let queue = BatchQueue<Box>(maximumBatches: 2)
        queue.setMaximumBatches(6)
        var boxes: [Box] = []
        for serial in 0..<6 {
            #expect(queue.takeFree() == nil, "a new batch may be made")  // would wait forever at the bound of 2
            let box = Box(serial: serial)
            queue.submit(box)
            boxes.append(box)
        }
        queue.setMaximumBatches(2)
        while let box = queue.takeFull() {
            queue.giveBack(box)
            if box.serial == 5 { break }
        }
        var released: [Int] = []
        let reused = queue.takeFree { released.append($0.serial) }
        #expect(released.count == 4, "six made, two kept")
        #expect(reused != nil && !released.contains(reused?.serial ?? -1))
        queue.end()
        #expect(queue.removeFree().count == 1)
    }

    @Test("after lowering the bound, batches given back one at a time are released until it holds, not replaced")
    func loweredBoundHolds() {
        let queue = BatchQueue<Box>(maximumBatches: 6)
        for serial in 0..<6 {
            #expect(queue.takeFree() == nil, "a new batch may be made")
            queue.submit(Box(serial: serial))
        }
        queue.setMaximumBatches(2)
        let consumer = JoinableThread<Void, Never> {
            while let box = queue.takeFull() {
                usleep(1_000)  // one at a time, each after the producer waits
                queue.giveBack(box)
            }
        }
        var released: [Int] = []
        let reused = queue.takeFree { released.append($0.serial) }
        #expect(released.count == 4, "six made, four released")
        #expect(reused != nil, "then one given back is reused: none is made while the bound is exceeded")
        queue.end()
        consumer.join()
        let kept = queue.removeFree().map(\.serial) + [reused?.serial ?? -1]
        #expect((released + kept).sorted() == Array(0..<6))
    }
}
