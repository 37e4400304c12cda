import BGPWire
import PacketCapture
import Testing

/// A stream of real-shaped messages built with the encoder, fed to the reassembler in many ways.
private func sampleStream() -> (bytes: [UInt8], messages: [[UInt8]]) {
    var messages: [[UInt8]] = [BGPMessage.keepalive.encoded()]
    for i in 0..<40 {
        var a = PathAttributes()
        a.origin = .igp
        a.asPath = ASPath([ASPathSegment(.sequence, [64500, UInt32(i) + 1])])
        a.nextHop = IPv4Address(192, 0, 2, 1)
        let routes = (0..<(i % 7 + 1)).map { j in
            Route(prefix: .v4(IPv4Prefix(address: IPv4Address(10, UInt8(i), UInt8(j), 0), length: 24)!))
        }
        messages.append(BGPMessage.update(UpdateMessage(attributes: a, nlri: routes)).encoded())
    }
    messages.append(BGPMessage.notification(NotificationMessage(code: 6, subcode: 2)).encoded())
    return (messages.flatMap { $0 }, messages)
}

private func feed(_ segments: [(UInt32, [UInt8])], limits: ReassemblyLimits = ReassemblyLimits(), finish: Bool = true)
    -> (messages: [[UInt8]], counters: ReassemblyCounters)
{
    var r = StreamReassembler()
    var counters = ReassemblyCounters()
    var out: [[UInt8]] = []
    var syn = TCPSegmentFactory.make(sequence: 999, flags: TCPSegment.syn, payload: [])
    syn.withSegment { r.receive($0, arrival: .init(frame: 0, time: CaptureTime(microseconds: 0)), limits: limits,
                                maxMessageLength: 4096, stats: &counters) { b, _ in out.append(Array(b)) } }
    for (i, (seq, bytes)) in segments.enumerated() {
        var seg = TCPSegmentFactory.make(sequence: seq, flags: 0, payload: bytes)
        seg.withSegment { r.receive($0, arrival: .init(frame: i + 1, time: CaptureTime(microseconds: Int64(i))), limits: limits,
                                    maxMessageLength: 4096, stats: &counters) { b, _ in out.append(Array(b)) } }
    }
    if finish { r.finish(maxMessageLength: 4096, stats: &counters) { b, _ in out.append(Array(b)) } }
    return (out, counters)
}

private func chunks(_ bytes: [UInt8], size: Int, start: UInt32 = 1000) -> [(UInt32, [UInt8])] {
    stride(from: 0, to: bytes.count, by: size).map { i in (start &+ UInt32(i), Array(bytes[i..<min(bytes.count, i + size)])) }
}

@Suite("TCP reassembly and BGP framing")
struct ReassemblyTests {
    @Test("any chunking yields the same messages", arguments: [1, 2, 7, 18, 19, 20, 64, 100, 1460, 100_000])
    func chunkSizes(size: Int) {
        let (stream, messages) = sampleStream()
        let result = feed(chunks(stream, size: size))
        #expect(result.messages == messages)
        #expect(result.counters.framingErrors == 0 && result.counters.gaps == 0)
    }

    @Test("sequence numbers wrap around 2^32")
    func wrapAround() {
        let (stream, messages) = sampleStream()
        var r = StreamReassembler()
        var counters = ReassemblyCounters()
        var out: [[UInt8]] = []
        let isn: UInt32 = .max - 300
        var syn = TCPSegmentFactory.make(sequence: isn, flags: TCPSegment.syn, payload: [])
        syn.withSegment { r.receive($0, arrival: .init(frame: 0, time: CaptureTime(microseconds: 0)), limits: ReassemblyLimits(),
                                    maxMessageLength: 4096, stats: &counters) { b, _ in out.append(Array(b)) } }
        for (seq, bytes) in chunks(stream, size: 97, start: isn &+ 1) {
            var seg = TCPSegmentFactory.make(sequence: seq, flags: 0, payload: bytes)
            seg.withSegment { r.receive($0, arrival: .init(frame: 1, time: CaptureTime(microseconds: 1)), limits: ReassemblyLimits(),
                                        maxMessageLength: 4096, stats: &counters) { b, _ in out.append(Array(b)) } }
        }
        #expect(out == messages)
    }

    @Test("retransmissions and overlaps are trimmed; reordering is repaired")
    func retransmitAndReorder() {
        let (stream, messages) = sampleStream()
        var segments = chunks(stream, size: 50)
        // Duplicate every third segment, overlap one, and swap neighbours.
        segments.insert(segments[3], at: 5)
        segments.insert((segments[8].0 &- 10, Array(stream[Int(segments[8].0 - 1000 - 10)..<Int(segments[8].0 - 1000 + 20)])), at: 9)
        segments.swapAt(12, 13)
        segments.swapAt(20, 22)
        let result = feed(segments)
        #expect(result.messages == messages)
        #expect(result.counters.retransmittedBytes > 0)
        #expect(result.counters.outOfOrderSegments >= 2)
    }

    @Test("a lost segment is a counted gap; framing resynchronises at the next marker")
    func gapResync() {
        let (stream, messages) = sampleStream()
        var segments = chunks(stream, size: 60)
        segments.remove(at: 10)
        var limits = ReassemblyLimits()
        limits.maxOutOfOrderSegments = 4
        let result = feed(segments, limits: limits)
        #expect(result.counters.gaps == 1)
        // Every message delivered is a real one, in order, and most survive.
        var index = 0
        for m in result.messages {
            while index < messages.count && messages[index] != m { index += 1 }
            #expect(index < messages.count, "delivered a message that was never sent")
        }
        #expect(result.messages.count >= messages.count - 3)
    }

    @Test("garbage before and between messages is skipped and counted")
    func garbage() {
        let (_, messages) = sampleStream()
        var stream: [UInt8] = [1, 2, 3, 0xFF, 0xFF, 9]
        for (i, m) in messages.enumerated() {
            stream += m
            if i == 5 { stream += [0xFF, 0xFF, 0xFF, 0x00, 0x13] }
        }
        // Not starting with a SYN: mid-stream alignment.
        var r = StreamReassembler()
        var counters = ReassemblyCounters()
        var out: [[UInt8]] = []
        for (seq, bytes) in chunks(stream, size: 33) {
            var seg = TCPSegmentFactory.make(sequence: seq, flags: 0, payload: bytes)
            seg.withSegment { r.receive($0, arrival: .init(frame: 1, time: CaptureTime(microseconds: 1)), limits: ReassemblyLimits(),
                                        maxMessageLength: 4096, stats: &counters) { b, _ in out.append(Array(b)) } }
        }
        #expect(out == messages)
        #expect(counters.discardedBytes == 11)
        #expect(counters.midStreamStarts == 1)
    }

    @Test("out-of-order memory is bounded")
    func boundedOutOfOrder() {
        var limits = ReassemblyLimits()
        limits.maxOutOfOrderBytesPerDirection = 10_000
        // 1000 segments that never become contiguous (every other one missing).
        let segments = (0..<1000).map { i in (UInt32(1000 + i * 200), [UInt8](repeating: 0xAB, count: 100)) }
        var r = StreamReassembler()
        var counters = ReassemblyCounters()
        for (seq, bytes) in segments {
            var seg = TCPSegmentFactory.make(sequence: seq, flags: 0, payload: bytes)
            seg.withSegment { r.receive($0, arrival: .init(frame: 1, time: CaptureTime(microseconds: 1)), limits: limits,
                                        maxMessageLength: 4096, stats: &counters) { _, _ in } }
            #expect(r.bufferedBytes <= 10_000 + 4096)
        }
        #expect(counters.limitHits > 0)
    }

    @Test("bytes held are released on a new SYN, a gap and the end (found by fuzz-reassembly)")
    func bufferedBytesAccounting() {
        let (stream, _) = sampleStream()
        var r = StreamReassembler()
        var counters = ReassemblyCounters()
        func send(_ sequence: UInt32, _ flags: UInt8, _ bytes: ArraySlice<UInt8>) {
            var seg = TCPSegmentFactory.make(sequence: sequence, flags: flags, payload: Array(bytes))
            seg.withSegment { r.receive($0, arrival: .init(frame: 1, time: CaptureTime(microseconds: 1)), limits: ReassemblyLimits(),
                                        maxMessageLength: 4096, stats: &counters) { _, _ in } }
        }
        send(999, TCPSegment.syn, [])
        send(1000, 0, stream[0..<30])  // a partial message is held
        send(5000, 0, stream[40..<90])  // out-of-order data is held
        #expect(counters.globalBufferedBytes == r.bufferedBytes && r.bufferedBytes > 0)
        send(7000, TCPSegment.syn, [])  // a new connection on the same tuple
        #expect(counters.globalBufferedBytes == 0)
        send(7001, 0, stream[0..<30])
        send(9000, 0, stream[0..<19])
        r.finish(maxMessageLength: 4096, stats: &counters) { _, _ in }
        #expect(counters.globalBufferedBytes == 0)
    }
}

/// Builds TCP segments for tests (the public initialiser parses real headers).
enum TCPSegmentFactory {
    struct Owned {
        var header: [UInt8]
        mutating func withSegment(_ body: (TCPSegment) -> Void) {
            header.withUnsafeBytes { raw in
                if let s = TCPSegment(raw) { body(s) }
            }
        }
    }

    static func make(sequence: UInt32, flags: UInt8, payload: [UInt8]) -> Owned {
        var h: [UInt8] = [0x30, 0x39, 0x00, 0xB3]
        h += [UInt8(sequence >> 24), UInt8(truncatingIfNeeded: sequence >> 16), UInt8(truncatingIfNeeded: sequence >> 8),
              UInt8(truncatingIfNeeded: sequence)]
        h += [0, 0, 0, 0, 0x50, flags | 0x10, 0xFF, 0xFF, 0, 0, 0, 0]
        return Owned(header: h + payload)
    }
}
