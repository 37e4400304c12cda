/// Reads NLRI entries (RFC 4271 §4.3, RFC 4760 §5) of one address family out of a byte range,
/// one `Route` at a time, without allocating. Path identifiers (RFC 7911 §3) are read when ADD-PATH
/// is on for the family; labels (RFC 8277) and route distinguishers (RFC 4364) per its encoding.
public struct RouteReader: IteratorProtocol {
    @usableFromInline var reader: WireReader
    @usableFromInline let isIPv4: Bool
    @usableFromInline let encoding: PrefixEncoding
    @usableFromInline let addPath: Bool
    /// Set once a malformed entry was met; iteration then stops.
    public var error: WireError? { storedError }
    @usableFromInline var storedError: WireError?

    /// At most this many labels are accepted in one stack (RFC 8277 multiple labels are rarely > 2).
    public static let maximumLabels = 16

    @inlinable
    public init(_ reader: WireReader, family: AddressFamily, addPath: Bool) {
        self.reader = reader
        self.isIPv4 = family.afi == 1
        self.encoding = family.prefixEncoding ?? .plain
        self.addPath = addPath
    }

    /// The next route, or `nil` at the end or on a malformed entry (then `error` says why).
    @inlinable
    public mutating func next() -> Route? {
        guard storedError == nil, !reader.isEmpty else { return nil }
        do {
            return try readRoute()
        } catch {
            self.storedError = error
            return nil
        }
    }

    /// Passes over the next route without building it: `true` when `next()` would have returned one, `false` at
    /// the end or on a malformed entry (then `error` says why, as after `next()`). Plain prefixes are stepped
    /// over with the checks `readRoute()` makes (`stepOverPlain`); other encodings are read.
    @inlinable
    public mutating func skip() -> Bool {
        guard storedError == nil, !reader.isEmpty else { return false }
        if encoding == .plain, stepOverPlain() { return true }
        return next() != nil
    }

    /// Passes over up to `n` routes, as `n` calls of `skip()` would: how many it passed (fewer at the end or at a
    /// malformed entry, which sets `error` as `skip()` does). Well-formed plain prefixes are stepped over in one
    /// loop; anything else is left to `skip()`.
    @inlinable
    public mutating func skip(_ n: Int) -> Int {
        var passed = 0
        while passed < n {
            if encoding == .plain, storedError == nil, stepOverPlain() {
                passed += 1
                continue
            }
            guard skip() else { break }
            passed += 1
        }
        return passed
    }

    /// Steps over the next entry when it is a well-formed plain prefix (path identifier with ADD-PATH, a length
    /// within the family, enough bytes); `false`, and nothing read, otherwise. Plain index arithmetic: through
    /// `WireReader`'s optional reads a skip cost some 40 instructions.
    @inlinable
    mutating func stepOverPlain() -> Bool {
        let lengthAt = reader.index + (addPath ? 4 : 0), end = reader.bytes.count
        guard lengthAt < end else { return false }
        let bits = Int(reader.bytes[lengthAt])
        let next = lengthAt + 1 + (bits + 7) / 8
        guard bits <= (isIPv4 ? 32 : 128), next <= end else { return false }
        reader.index = next
        return true
    }

    /// Walks every entry; throws the first malformation. Returns how many entries there were.
    @inlinable
    public mutating func validate() throws(WireError) -> Int {
        if encoding == .plain { return try validatePlain() }
        var n = 0
        while !reader.isEmpty {
            _ = try readRoute()
            n += 1
        }
        return n
    }

    /// `validate()` for plain prefixes: the same checks and errors as `readRoute()` (path identifier, length
    /// within the family, enough bytes), without building the routes. Host bits need no check: a prefix's
    /// address is masked to its length when read.
    @inlinable
    mutating func validatePlain() throws(WireError) -> Int {
        try Self.countPlain(&reader, isIPv4: isIPv4, addPath: addPath)
    }

    /// `validatePlain()` over `reader`, without a `RouteReader` (whose optional error made every one built for a
    /// check cost a destroy): what `UpdateView` checks its withdrawn-routes and NLRI fields with.
    @inlinable
    static func countPlain(_ reader: inout WireReader, isIPv4: Bool, addPath: Bool) throws(WireError) -> Int {
        let maximumBits = isIPv4 ? 32 : 128
        var n = 0
        while !reader.isEmpty {
            let start = reader.position
            if addPath, !reader.skip(4) { throw WireError(.badNLRI, at: start, "truncated path identifier") }
            guard let lengthByte = reader.readUInt8() else { throw WireError(.badNLRI, at: start, "missing prefix length") }
            let bits = Int(lengthByte)
            guard bits <= maximumBits else {
                throw WireError(.badNLRI, at: start, "\(isIPv4 ? "IPv4" : "IPv6") prefix length \(bits) > \(maximumBits)")
            }
            guard reader.skip((bits + 7) / 8) else {
                throw WireError(.badNLRI, at: start, "truncated \(isIPv4 ? "IPv4" : "IPv6") prefix")
            }
            n += 1
        }
        return n
    }

    @inlinable
    mutating func readRoute() throws(WireError) -> Route {
        let start = reader.position
        var pathID: UInt32?
        if addPath {
            guard let id = reader.readUInt32() else { throw WireError(.badNLRI, at: start, "truncated path identifier") }
            pathID = id
        }
        guard let lengthByte = reader.readUInt8() else { throw WireError(.badNLRI, at: start, "missing prefix length") }
        var bits = Int(lengthByte)
        var labels = LabelStack()
        var rd: RouteDistinguisher?
        if encoding != .plain {
            while true {
                guard bits >= 24, let label = reader.readUInt24() else {
                    throw WireError(.badNLRI, at: start, "label stack longer than the prefix length")
                }
                bits -= 24
                labels.append(entry: label)
                // Bottom of stack, or the RFC 8277 §2.4 withdrawal value 0x800000 (no BoS bit).
                if label & 1 == 1 || label == 0x80_0000 || label == 0 { break }
                guard labels.count < RouteReader.maximumLabels else {
                    throw WireError(.badNLRI, at: start, "more than \(RouteReader.maximumLabels) labels")
                }
            }
            if encoding == .vpn {
                guard bits >= 64, let raw = reader.readUInt64() else {
                    throw WireError(.badNLRI, at: start, "route distinguisher longer than the prefix length")
                }
                bits -= 64
                rd = RouteDistinguisher(raw: raw)
            }
        }
        let prefix = try readPrefix(bits: bits, start: start)
        return Route(prefix: prefix, pathID: pathID, labels: labels, routeDistinguisher: rd)
    }

    @inlinable
    mutating func readPrefix(bits: Int, start: Int) throws(WireError) -> IPPrefix {
        let byteCount = (bits + 7) / 8
        if isIPv4 {
            guard bits <= 32 else { throw WireError(.badNLRI, at: start, "IPv4 prefix length \(bits) > 32") }
            guard reader.remaining >= byteCount else { throw WireError(.badNLRI, at: start, "truncated IPv4 prefix") }
            var value: UInt32 = 0
            for i in 0..<4 {
                value <<= 8
                if i < byteCount, let b = reader.readUInt8() { value |= UInt32(b) }
            }
            // Cannot fail: bits ≤ 32 was checked above.
            guard let p = IPv4Prefix(address: IPv4Address(value), length: UInt8(bits)) else {
                throw WireError(.badNLRI, at: start)
            }
            return .v4(p)
        } else {
            guard bits <= 128 else { throw WireError(.badNLRI, at: start, "IPv6 prefix length \(bits) > 128") }
            guard reader.remaining >= byteCount else { throw WireError(.badNLRI, at: start, "truncated IPv6 prefix") }
            var high: UInt64 = 0
            var low: UInt64 = 0
            for i in 0..<16 {
                let b = i < byteCount ? UInt64(reader.readUInt8() ?? 0) : 0
                if i < 8 { high = high << 8 | b } else { low = low << 8 | b }
            }
            guard let p = IPv6Prefix(address: IPv6Address(high: high, low: low), length: UInt8(bits)) else {
                throw WireError(.badNLRI, at: start)
            }
            return .v6(p)
        }
    }
}

/// Counts entries of address families whose NLRI we keep opaque but whose framing is known
/// (FlowSpec RFC 8955 §4, EVPN RFC 7432 §7, MVPN RFC 6514 §4, RTC RFC 4684 §4). `nil` when unknown.
public func countOpaqueNLRI(_ bytes: UnsafeRawBufferPointer, family: AddressFamily, addPath: Bool) -> Int? {
    var reader = WireReader(bytes)
    var count = 0
    while !reader.isEmpty {
        if addPath { guard reader.skip(4) else { return nil } }
        switch family.safi {
        case 133, 134:
            guard let first = reader.readUInt8() else { return nil }
            var length = Int(first)
            if first >= 0xF0 {
                guard let second = reader.readUInt8() else { return nil }
                length = Int(first & 0x0F) << 8 | Int(second)
            }
            guard reader.skip(length) else { return nil }
        case 5, 70:
            guard reader.skip(1), let length = reader.readUInt8(), reader.skip(Int(length)) else { return nil }
        case 132:
            guard let bits = reader.readUInt8(), reader.skip((Int(bits) + 7) / 8) else { return nil }
        default:
            return nil
        }
        count += 1
    }
    return count
}
