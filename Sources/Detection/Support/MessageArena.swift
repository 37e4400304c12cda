/// A fixed block of memory that BGP messages are copied into one after another, until it is full, and which is
/// emptied whole for reuse: the bytes of the UPDATEs a batch of replay's queues carries (`CaptureRelay`,
/// `FeedPipeline`). Its owner deallocates it.
struct MessageArena {
    private let block: UnsafeMutableRawBufferPointer
    private(set) var used = 0

    init(capacity: Int) {
        block = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    /// Copies `bytes` in: their offset, or `nil` when they do not fit in what is left.
    mutating func store(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard block.count - used >= bytes.count else { return nil }
        let offset = used
        UnsafeMutableRawBufferPointer(rebasing: block[offset..<(offset + bytes.count)]).copyMemory(from: bytes)
        used += bytes.count
        return offset
    }

    /// The `count` bytes stored at `offset`.
    func bytes(at offset: Int, count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: block[offset..<(offset + count)])
    }

    mutating func removeAll() { used = 0 }

    func deallocate() { block.deallocate() }
}
