/// Reads the prefixes of plain NLRI (RFC 4271 §4.3, RFC 4760 §5: a length in bits, then the prefix octets;
/// RFC 7911 §3 path identifiers skipped when ADD-PATH is on) without building `Route`s or errors: the fast walk
/// for code that only needs the prefixes of NLRI already validated (`UpdateView.prefixes(_:)`). Iteration
/// stops at the end, or at the first malformed entry, as `RouteReader` does (which says why).
public struct PrefixReader: IteratorProtocol {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var index = 0
    /// Whether the entries are IPv4 prefixes (else IPv6).
    public let isIPv4: Bool
    @usableFromInline let addPath: Bool

    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer, isIPv4: Bool, addPath: Bool) {
        self.bytes = bytes
        self.isIPv4 = isIPv4
        self.addPath = addPath
    }

    /// One entry: its prefix length in bits and where its address octets start in the reader's bytes.
    public struct Entry {
        public var bits: Int
        @usableFromInline var addressStart: Int

        /// Where the entry's length octet is in the reader's bytes (its path identifier, if any, comes before).
        @inlinable public var lengthOffset: Int { addressStart - 1 }

        @inlinable
        init(bits: Int, addressStart: Int) {
            self.bits = bits
            self.addressStart = addressStart
        }
    }

    @inlinable
    public mutating func next() -> IPPrefix? {
        nextEntry().flatMap(prefix)
    }

    /// The next entry without reading its address, or `nil` at the end or at a malformed entry.
    @inlinable
    public mutating func nextEntry() -> Entry? {
        let start = index + (addPath ? 4 : 0)
        guard start < bytes.count else { return nil }
        let bits = Int(bytes[start])
        let octets = (bits + 7) >> 3
        let first = start + 1
        guard bits <= (isIPv4 ? 32 : 128), bytes.count - first >= octets else {
            index = bytes.count
            return nil
        }
        index = first + octets
        return Entry(bits: bits, addressStart: first)
    }

    /// The first two address octets of an IPv4 `entry` of /16 or longer, as one number: its /16.
    @inlinable
    public func ipv4Slash16(_ entry: Entry) -> Int {
        Int(bytes[entry.addressStart]) << 8 | Int(bytes[entry.addressStart + 1])
    }

    /// The top 32 address bits of an IPv6 `entry` as its octets give them (those past its last octet zero; bits
    /// past its length inside that octet as sent, not cleared).
    @inlinable
    public func ipv6Top32(_ entry: Entry) -> UInt32 {
        var top: UInt32 = 0
        for i in 0..<min((entry.bits + 7) >> 3, 4) { top |= UInt32(bytes[entry.addressStart + i]) << (24 - 8 * i) }
        return top
    }

    /// The prefix of `entry`, an entry this reader returned.
    @inlinable
    public func prefix(_ entry: Entry) -> IPPrefix? {
        let first = entry.addressStart
        let bits = entry.bits
        let octets = (bits + 7) >> 3
        // Where the buffer goes on far enough, the address is loaded whole: the bytes past the prefix's own
        // octets (the next entry's) are cleared by the prefix's mask.
        let available = bytes.count - first
        if isIPv4 {
            var value: UInt32 = 0
            if available >= 4 {
                value = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: first, as: UInt32.self))
            } else {
                for i in 0..<octets { value |= UInt32(bytes[first + i]) << (24 - 8 * UInt32(i)) }
            }
            return IPv4Prefix(address: IPv4Address(value), length: UInt8(bits)).map(IPPrefix.v4)
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        if available >= 16 {
            high = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: first, as: UInt64.self))
            low = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: first + 8, as: UInt64.self))
        } else {
            for i in 0..<octets {
                let b = UInt64(bytes[first + i])
                if i < 8 { high |= b << (56 - 8 * UInt64(i)) } else { low |= b << (56 - 8 * UInt64(i - 8)) }
            }
        }
        return IPv6Prefix(address: IPv6Address(high: high, low: low), length: UInt8(bits)).map(IPPrefix.v6)
    }
}
