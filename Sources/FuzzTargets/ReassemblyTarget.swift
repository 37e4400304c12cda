import BGPWire
import PacketCapture

/// Fuzz target `reassembly`: TCP reassembly and BGP framing (RFC 9293 §3.4 sequence space, RFC 4271 §4.1
/// framing) fed an arbitrary sequence of segments on up to sixteen connections, with small limits so every
/// bound is reached. Each input record is `[control][sequence: 4][time step][length: 2][payload]` and
/// becomes a raw IPv4/TCP frame (`SyntheticSegment`). Checked: every delivered message is well framed,
/// flows and buffered bytes stay within the limits, and nothing is held after the end of the capture.
public enum ReassemblyTarget {
    public static var limits: ReassemblyLimits {
        var limits = ReassemblyLimits()
        limits.maxOutOfOrderSegments = 8
        limits.maxOutOfOrderBytesPerDirection = 8 * 1024
        limits.maxBufferedBytesTotal = 24 * 1024
        limits.maxFlows = 4
        limits.gapTimeoutMicroseconds = 200
        limits.idleTimeoutMicroseconds = 2_000
        return limits
    }

    public static func run(_ input: UnsafeRawBufferPointer) {
        let limits = self.limits
        let decoder = CaptureDecoder(limits: limits) { event in
            guard case .message(let m) = event else { return }
            checkFraming(m.bytes)
        }
        var rest = input
        var frame = [UInt8](repeating: 0, count: SyntheticSegment.headerLength + SyntheticSegment.maximumPayload)
        var time: Int64 = 0
        var number = 0
        while let record = SyntheticSegment(&rest) {
            time += record.timeStep
            number += 1
            let count = record.write(into: &frame)
            frame.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                decoder.process(Frame(number: number, time: CaptureTime(microseconds: time), bytes: bytes, wireLength: count),
                                linkType: LinkType.ipv4)
            }
            let buffered = decoder.statistics.reassembly.globalBufferedBytes
            require(buffered >= 0, "buffered byte count went negative: \(buffered)")
            require(buffered <= limits.maxBufferedBytesTotal + 2 * 65_535, "\(buffered) bytes buffered, beyond the limit")
            require(decoder.activeFlows <= limits.maxFlows, "\(decoder.activeFlows) flows tracked, limit \(limits.maxFlows)")
        }
        decoder.finish()
        require(decoder.activeFlows == 0, "flows left after finish")
        let held = decoder.statistics.reassembly.globalBufferedBytes
        require(held == 0, "\(held) bytes held after finish")
    }

    /// A delivered message has the marker, a length field equal to its size and a known type.
    static func checkFraming(_ bytes: UnsafeRawBufferPointer) {
        require(bytes.count >= MessageHeader.length && bytes.count <= 65_535, "message of \(bytes.count) bytes")
        require(bytes[0..<16].allSatisfy { $0 == 0xFF }, "message without marker")
        require(Int(bytes[16]) << 8 | Int(bytes[17]) == bytes.count, "length field differs from the message size")
        require((1...5).contains(bytes[18]), "unknown message type \(bytes[18])")
    }
}

/// One record of the reassembly fuzz input, and the raw IPv4 (RFC 791) + TCP (RFC 9293 §3.1) frame it
/// stands for. Control byte: bits 0–1 address pair, bit 2 direction (server → client), bits 3–5 FIN/SYN/RST,
/// bits 6–7 client port.
struct SyntheticSegment {
    static let headerLength = 40
    static let maximumPayload = 4096

    var control: UInt8
    var sequence: UInt32
    var timeStep: Int64
    var payload: UnsafeRawBufferPointer

    /// Takes the next record off the front of `input`; `nil` when fewer than 8 bytes are left.
    init?(_ input: inout UnsafeRawBufferPointer) {
        guard input.count >= 8 else { return nil }
        control = input[0]
        sequence = UInt32(input[1]) << 24 | UInt32(input[2]) << 16 | UInt32(input[3]) << 8 | UInt32(input[4])
        timeStep = Int64(input[5]) * 10
        let length = min(Int(UInt16(input[6]) << 8 | UInt16(input[7])) % (Self.maximumPayload + 1), input.count - 8)
        payload = UnsafeRawBufferPointer(rebasing: input[8..<(8 + length)])
        input = UnsafeRawBufferPointer(rebasing: input[(8 + length)...])
    }

    /// Writes the frame into `frame` (large enough for any record) and returns its length.
    func write(into frame: inout [UInt8]) -> Int {
        let total = Self.headerLength + payload.count
        let pair = control & 0x03
        let client: [UInt8] = [10, 0, pair, 1], server: [UInt8] = [10, 0, pair, 2]
        let clientPort = 40_000 + UInt16(control >> 6)
        let reverse = control & 0x04 != 0
        let (source, destination) = reverse ? (server, client) : (client, server)
        let (sourcePort, destinationPort) = reverse ? (UInt16(179), clientPort) : (clientPort, UInt16(179))
        for i in 0..<Self.headerLength { frame[i] = 0 }
        frame[0] = 0x45  // version 4, 20-byte header
        put16(UInt16(total), at: 2, into: &frame)
        frame[8] = 64  // TTL
        frame[9] = 6  // TCP
        frame.replaceSubrange(12..<16, with: source)
        frame.replaceSubrange(16..<20, with: destination)
        put16(sourcePort, at: 20, into: &frame)
        put16(destinationPort, at: 22, into: &frame)
        put16(UInt16(sequence >> 16), at: 24, into: &frame)
        put16(UInt16(sequence & 0xFFFF), at: 26, into: &frame)
        frame[32] = 0x50  // data offset 5 words
        frame[33] = 0x10 | (control >> 3) & 0x07  // ACK plus FIN/SYN/RST
        frame.withUnsafeMutableBytes { raw in
            UnsafeMutableRawBufferPointer(rebasing: raw[Self.headerLength...]).copyMemory(from: payload)
        }
        return total
    }

    private func put16(_ value: UInt16, at offset: Int, into frame: inout [UInt8]) {
        frame[offset] = UInt8(value >> 8)
        frame[offset + 1] = UInt8(value & 0xFF)
    }
}
