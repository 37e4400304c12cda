/// Appends network-byte-order values to a byte array; the encoder's counterpart of `WireReader`.
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }

    public mutating func writeUInt16(_ v: UInt16) {
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    public mutating func writeUInt24(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    public mutating func writeUInt32(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    public mutating func writeUInt64(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    public mutating func writeBytes(_ b: some Sequence<UInt8>) { bytes.append(contentsOf: b) }

    /// Writes `body` preceded by its length in one or two octets.
    public mutating func writeLengthPrefixed(twoOctets: Bool, _ body: (inout WireWriter) -> Void) {
        var inner = WireWriter()
        body(&inner)
        if twoOctets { writeUInt16(UInt16(clamping: inner.bytes.count)) } else { writeUInt8(UInt8(clamping: inner.bytes.count)) }
        bytes.append(contentsOf: inner.bytes)
    }
}
