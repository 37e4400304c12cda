/// A stable least-significant-digit radix sort by a 64-bit key per element — for the data-set builds, where
/// comparison sorts of hundreds of thousands of entries were a tenth of a load.
enum RadixSort {
    /// Sorts `items` by the bits `bits` of `key(item)`, 11 bits a pass; equal keys keep their order, so bits
    /// outside `bits` that are already in order (a position stored in the low bits) need no pass. A pass whose
    /// digit is the same in every key is skipped.
    @inline(__always)
    static func sort<T: BitwiseCopyable>(_ items: UnsafeMutableBufferPointer<T>, bits: Range<Int> = 0..<64,
                                         key: (T) -> UInt64) {
        let count = items.count
        guard count > 1, bits.lowerBound >= 0, bits.upperBound <= 64 else { return }
        let digitBits = 11
        withUnsafeTemporaryAllocation(of: T.self, capacity: count) { scratch in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 1 << digitBits) { starts in
                var from = items
                var to = scratch
                var shift = bits.lowerBound
                while shift < bits.upperBound {
                    let width = min(digitBits, bits.upperBound - shift)
                    let digits = 1 << width
                    let mask = UInt64(digits - 1)
                    let s = UInt64(shift)
                    shift += width
                    let counts = UnsafeMutableBufferPointer(rebasing: starts[0..<digits])
                    counts.initialize(repeating: 0)
                    for item in from { counts[Int((key(item) >> s) & mask)] += 1 }
                    if counts.contains(count) { continue }  // one digit everywhere: the order stays
                    var total = 0
                    for d in 0..<digits {
                        let c = counts[d]
                        counts[d] = total
                        total += c
                    }
                    for item in from {
                        let d = Int((key(item) >> s) & mask)
                        to.initializeElement(at: counts[d], to: item)
                        counts[d] += 1
                    }
                    swap(&from, &to)
                }
                if from.baseAddress != items.baseAddress, let source = from.baseAddress, let target = items.baseAddress {
                    target.update(from: source, count: count)
                }
            }
        }
    }
}
