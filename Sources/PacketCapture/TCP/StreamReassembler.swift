import BGPWire

/// One direction of a TCP connection, reassembled into BGP messages (RFC 9293 sequence space,
/// RFC 4271 §4.1 framing).
///
/// In-order data is framed straight out of the frame's bytes; only a message that spans segments is
/// copied into `pending`. Retransmitted and overlapping bytes are trimmed; segments from the future wait in
/// a bounded out-of-order list; a hole that cannot be filled is a gap, after which framing resynchronises at
/// the next valid marker. Sequence arithmetic wraps (serial-number comparison on `Int32` distance).
public struct StreamReassembler {
    /// Receives each complete message and the frame in which its last byte arrived.
    public typealias Emit = (UnsafeRawBufferPointer, Arrival) -> Void

    /// The frame a segment came in, carried with held segments so messages keep their attribution.
    public struct Arrival: Sendable {
        public var frame: Int
        public var time: CaptureTime
        public init(frame: Int, time: CaptureTime) {
            self.frame = frame
            self.time = time
        }
    }

    /// Next expected sequence number (valid once `hasSequence`).
    public private(set) var nextSequence: UInt32 = 0
    public private(set) var hasSequence = false
    /// True when the next byte is the first byte of a message.
    public private(set) var synced = false
    /// Partial message (synced) or bytes being scanned for a marker (not synced).
    private(set) var pending: [UInt8] = []
    private var outOfOrder: [(sequence: UInt32, bytes: [UInt8], arrival: Arrival)] = []
    public private(set) var outOfOrderBytes = 0

    public init() {}

    /// Bytes this direction holds in memory.
    public var bufferedBytes: Int { pending.count + outOfOrderBytes }

    /// Hands every complete message to `emit`; statistics go to `stats`.
    public mutating func receive(_ segment: TCPSegment, arrival: Arrival, limits: ReassemblyLimits, maxMessageLength: Int,
                                 stats: inout ReassemblyCounters, emit: Emit) {
        // A hole older than the gap timeout will not be filled by a retransmission any more (capture loss).
        if let oldest = outOfOrder.first?.arrival.time,
            arrival.time.microseconds - oldest.microseconds > limits.gapTimeoutMicroseconds
        {
            stats.limitHits += 1
            skipToEarliestHeld(stats: &stats)
            drainOutOfOrder(maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
        }
        var payload = segment.payload
        if segment.isSYN {
            reset(stats: &stats)
            // The SYN occupies one sequence number. BGP never sends data on a SYN; synthetic captures that do
            // number that data from the SYN's own sequence, so a SYN with payload is taken to start there.
            nextSequence = payload.isEmpty ? segment.sequence &+ 1 : segment.sequence
            hasSequence = true
            synced = true
        }
        guard !payload.isEmpty else { return }
        var sequence = segment.sequence
        if !hasSequence {
            // Capture started mid-connection: align on the first marker we find.
            nextSequence = sequence
            hasSequence = true
            synced = false
            stats.midStreamStarts += 1
        }
        let distance = Int(Int32(bitPattern: sequence &- nextSequence))
        if distance < 0 {
            let overlap = -distance
            guard overlap < payload.count else {
                stats.retransmittedBytes += payload.count
                return
            }
            stats.retransmittedBytes += overlap
            payload = UnsafeRawBufferPointer(rebasing: payload[overlap...])
            sequence = nextSequence
        } else if distance > 0 {
            holdOutOfOrder(sequence: sequence, payload: payload, arrival: arrival, limits: limits,
                           maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
            return
        }
        deliver(payload, arrival: arrival, maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
        drainOutOfOrder(maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
    }

    /// Gives up on holes (end of capture, FIN, RST): delivers held segments in order across gaps.
    /// Returns the number of bytes of an incomplete message that are dropped.
    public mutating func finish(maxMessageLength: Int, stats: inout ReassemblyCounters, emit: Emit) {
        while !outOfOrder.isEmpty {
            skipToEarliestHeld(stats: &stats)
            drainOutOfOrder(maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
        }
        if !pending.isEmpty {
            stats.truncatedMessageBytes += pending.count
            stats.truncatedMessages += synced ? 1 : 0
        }
        dropPending(stats: &stats)
        synced = false
    }

    /// A new connection (SYN): everything held for the old one is released.
    private mutating func reset(stats: inout ReassemblyCounters) {
        dropPending(stats: &stats)
        stats.globalBufferedBytes -= outOfOrderBytes
        outOfOrder.removeAll()
        outOfOrderBytes = 0
        synced = false
    }

    /// Releases the partial message, keeping the global byte count true.
    private mutating func dropPending(stats: inout ReassemblyCounters) {
        stats.globalBufferedBytes -= pending.count
        pending.removeAll(keepingCapacity: pending.capacity <= 16 * 1024)
    }

    private mutating func holdOutOfOrder(sequence: UInt32, payload: UnsafeRawBufferPointer, arrival: Arrival,
                                         limits: ReassemblyLimits, maxMessageLength: Int,
                                         stats: inout ReassemblyCounters, emit: Emit) {
        stats.outOfOrderSegments += 1
        // The total over all flows is the decoder's to enforce: it evicts the least valuable flows first
        // (`CaptureDecoder.shedBufferedBytes`) rather than skipping this hole.
        if outOfOrder.count >= limits.maxOutOfOrderSegments
            || outOfOrderBytes + payload.count > limits.maxOutOfOrderBytesPerDirection
        {
            // The hole will not be filled within our bounds: jump over it.
            stats.limitHits += 1
            if outOfOrder.isEmpty {
                declareGap(to: sequence, stats: &stats)
                deliver(payload, arrival: arrival, maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
                return
            }
            skipToEarliestHeld(stats: &stats)
            drainOutOfOrder(maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
            receive(TCPSegment(sequence: sequence, payload: payload), arrival: arrival, limits: limits,
                    maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
            return
        }
        outOfOrder.append((sequence, Array(payload), arrival))
        outOfOrderBytes += payload.count
        stats.globalBufferedBytes += payload.count
    }

    private mutating func skipToEarliestHeld(stats: inout ReassemblyCounters) {
        guard let earliest = outOfOrder.min(by: { Int32(bitPattern: $0.sequence &- $1.sequence) < 0 }) else { return }
        if Int32(bitPattern: earliest.sequence &- nextSequence) > 0 {
            declareGap(to: earliest.sequence, stats: &stats)
        }
    }

    private mutating func declareGap(to sequence: UInt32, stats: inout ReassemblyCounters) {
        stats.gaps += 1
        stats.gapBytes += Int(Int32(bitPattern: sequence &- nextSequence))
        if !pending.isEmpty {
            stats.truncatedMessageBytes += pending.count
            if synced { stats.truncatedMessages += 1 }
        }
        dropPending(stats: &stats)
        synced = false
        nextSequence = sequence
    }

    private mutating func drainOutOfOrder(maxMessageLength: Int, stats: inout ReassemblyCounters, emit: Emit) {
        var progressed = true
        while progressed && !outOfOrder.isEmpty {
            progressed = false
            var i = 0
            while i < outOfOrder.count {
                let entry = outOfOrder[i]
                let distance = Int(Int32(bitPattern: entry.sequence &- nextSequence))
                if distance > 0 {
                    i += 1
                    continue
                }
                outOfOrder.remove(at: i)
                outOfOrderBytes -= entry.bytes.count
                stats.globalBufferedBytes -= entry.bytes.count
                let overlap = -distance
                if overlap < entry.bytes.count {
                    stats.retransmittedBytes += overlap
                    entry.bytes.withUnsafeBytes { raw in
                        deliver(UnsafeRawBufferPointer(rebasing: raw[overlap...]), arrival: entry.arrival,
                                maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
                    }
                } else {
                    stats.retransmittedBytes += entry.bytes.count
                }
                progressed = true
            }
        }
    }

    // MARK: - Framing

    /// Consumes in-order bytes: frames messages, keeps a partial tail, resynchronises when lost.
    private mutating func deliver(_ bytes: UnsafeRawBufferPointer, arrival: Arrival, maxMessageLength: Int,
                                  stats: inout ReassemblyCounters, emit: Emit) {
        nextSequence = nextSequence &+ UInt32(truncatingIfNeeded: bytes.count)
        var input = bytes
        while !input.isEmpty {
            if !synced {
                appendPending(input, stats: &stats)
                resynchronise(maxMessageLength: maxMessageLength, stats: &stats)
                guard synced else { return }
                // Frame what the scan buffer holds, as if it had just arrived.
                var held: [UInt8] = []
                swap(&held, &pending)  // take the buffer without copying it
                stats.globalBufferedBytes -= held.count
                held.withUnsafeBytes { raw in
                    frameSynced(raw, arrival: arrival, maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
                }
                return
            }
            if pending.isEmpty {
                frameSynced(input, arrival: arrival, maxMessageLength: maxMessageLength, stats: &stats, emit: emit)
                return
            }
            // Complete the partial message first.
            let want = pendingNeed(maxMessageLength: maxMessageLength)
            guard let want else {
                // The partial header is invalid: drop its first byte and rescan.
                stats.framingErrors += 1
                stats.discardedBytes += 1
                pending.removeFirst()
                stats.globalBufferedBytes -= 1
                synced = false
                continue
            }
            let take = min(want, input.count)
            appendPending(UnsafeRawBufferPointer(rebasing: input[..<take]), stats: &stats)
            input = UnsafeRawBufferPointer(rebasing: input[take...])
            if pendingNeed(maxMessageLength: maxMessageLength) == 0 {
                pending.withUnsafeBytes { emit($0, arrival) }
                dropPending(stats: &stats)
            }
        }
    }

    /// Bytes still needed to complete the pending message; `nil` when its header is invalid.
    private func pendingNeed(maxMessageLength: Int) -> Int? {
        if pending.count < MessageHeader.length { return MessageHeader.length - pending.count }
        let valid = pending.withUnsafeBytes { StreamReassembler.messageLength($0, max: maxMessageLength) }
        guard let length = valid else { return nil }
        return length - pending.count
    }

    /// Frames messages directly out of `bytes` (starting at a message boundary); copies only a partial tail.
    /// An invalid header makes it scan forward in place for the next valid one.
    private mutating func frameSynced(_ bytes: UnsafeRawBufferPointer, arrival: Arrival, maxMessageLength: Int,
                                      stats: inout ReassemblyCounters, emit: Emit) {
        var offset = 0
        while bytes.count - offset >= MessageHeader.length {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            guard let length = StreamReassembler.messageLength(rest, max: maxMessageLength) else {
                stats.framingErrors += 1
                stats.resyncs += 1
                guard let next = StreamReassembler.findHeader(bytes, from: offset + 1, max: maxMessageLength) else {
                    // No header start anywhere: keep only bytes that may begin a marker.
                    let keep = min(15, bytes.count - offset - 1)
                    stats.discardedBytes += bytes.count - offset - keep
                    synced = false
                    appendPending(UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - keep)...]), stats: &stats)
                    return
                }
                stats.discardedBytes += next - offset
                offset = next
                continue
            }
            guard rest.count >= length else { break }
            emit(UnsafeRawBufferPointer(rebasing: rest[..<length]), arrival)
            offset += length
        }
        if offset < bytes.count {
            appendPending(UnsafeRawBufferPointer(rebasing: bytes[offset...]), stats: &stats)
        }
    }

    private mutating func appendPending(_ bytes: UnsafeRawBufferPointer, stats: inout ReassemblyCounters) {
        pending.append(contentsOf: bytes)
        stats.globalBufferedBytes += bytes.count
    }

    /// Finds the next plausible header (marker, length, type) in `pending` and drops what precedes it.
    private mutating func resynchronise(maxMessageLength: Int, stats: inout ReassemblyCounters) {
        let found = pending.withUnsafeBytes { StreamReassembler.findHeader($0, from: 0, max: maxMessageLength) }
        let drop = found ?? max(0, pending.count - 15)
        if drop > 0 {
            stats.discardedBytes += drop
            stats.globalBufferedBytes -= drop
            pending.removeFirst(drop)
        }
        if found != nil {
            stats.resyncs += 1
            synced = true
        }
    }

    /// Index of the first position at or after `start` where a valid header begins, or where a marker
    /// begins that runs to the end of `bytes` (the rest of the header is still to come).
    static func findHeader(_ bytes: UnsafeRawBufferPointer, from start: Int, max: Int) -> Int? {
        var i = start
        while i < bytes.count {
            guard bytes[i] == 0xFF else {
                i += 1
                continue
            }
            let candidate = UnsafeRawBufferPointer(rebasing: bytes[i...])
            if candidate.count < MessageHeader.length {
                // A partial header at the end: plausible if every byte so far can be marker.
                if candidate.prefix(16).allSatisfy({ $0 == 0xFF }) { return i }
                i += 1
                continue
            }
            if messageLength(candidate, max: max) != nil { return i }
            i += 1
        }
        return nil
    }

    /// Length of the message whose header starts `bytes` if the header is valid, else `nil`.
    @inline(__always)
    static func messageLength(_ bytes: UnsafeRawBufferPointer, max: Int) -> Int? {
        guard bytes.count >= MessageHeader.length, MessageHeader.hasMarker(bytes) else { return nil }
        let length = Int(bytes[16]) << 8 | Int(bytes[17])
        let type = bytes[18]
        guard length >= MessageHeader.length, length <= max, type >= 1, type <= 5 else { return nil }
        return length
    }
}

/// Counters one reassembler updates; summed into `CaptureStatistics`.
public struct ReassemblyCounters: Sendable {
    public var gaps = 0
    public var gapBytes = 0
    public var retransmittedBytes = 0
    public var outOfOrderSegments = 0
    public var midStreamStarts = 0
    public var resyncs = 0
    public var discardedBytes = 0
    public var framingErrors = 0
    public var truncatedMessages = 0
    public var truncatedMessageBytes = 0
    public var limitHits = 0
    /// Bytes held in reassembly buffers across all flows right now.
    public var globalBufferedBytes = 0

    public init() {}
}

extension TCPSegment {
    /// A synthetic in-order segment (used when re-feeding data after a forced gap).
    init(sequence: UInt32, payload: UnsafeRawBufferPointer) {
        sourcePort = 0
        destinationPort = 0
        self.sequence = sequence
        flags = 0
        self.payload = payload
    }
}
