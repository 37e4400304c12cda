/// A TCP header (RFC 9293 §3.1) and its payload, lent from a frame.
public struct TCPSegment {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequence: UInt32
    public var flags: UInt8
    public var payload: UnsafeRawBufferPointer

    public static let fin: UInt8 = 0x01
    public static let syn: UInt8 = 0x02
    public static let rst: UInt8 = 0x04

    public var isSYN: Bool { flags & TCPSegment.syn != 0 }
    public var isFIN: Bool { flags & TCPSegment.fin != 0 }
    public var isRST: Bool { flags & TCPSegment.rst != 0 }

    /// Parses the header; `nil` when it is truncated or its data offset is impossible.
    public init?(_ b: UnsafeRawBufferPointer) {
        guard b.count >= 20 else { return nil }
        let dataOffset = Int(b[12] >> 4) * 4
        guard dataOffset >= 20, b.count >= dataOffset else { return nil }
        sourcePort = UInt16(b[0]) << 8 | UInt16(b[1])
        destinationPort = UInt16(b[2]) << 8 | UInt16(b[3])
        sequence = UInt32(bigEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        flags = b[13]
        payload = UnsafeRawBufferPointer(rebasing: b[dataOffset...])
    }
}
