/// BGP message types (RFC 4271 §4.1, ROUTE-REFRESH RFC 2918 §3).
public enum MessageType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case open = 1
    case update = 2
    case notification = 3
    case keepalive = 4
    case routeRefresh = 5

    public var description: String {
        switch self {
        case .open: "OPEN"
        case .update: "UPDATE"
        case .notification: "NOTIFICATION"
        case .keepalive: "KEEPALIVE"
        case .routeRefresh: "ROUTE-REFRESH"
        }
    }
}

/// The 19-octet message header (RFC 4271 §4.1): 16-octet all-ones marker, length, type.
public struct MessageHeader: Sendable, Hashable {
    public static let length = 19
    public static let maximumLength = 4096
    /// RFC 8654 §3: the limit once both speakers advertised the Extended Message capability.
    public static let maximumExtendedLength = 65535

    public var length: Int
    public var type: MessageType

    /// Reads and checks a header at the start of `bytes` (which may hold more).
    /// Throws `badMarker`, `badLength` or `badType`; `truncated` when fewer than 19 bytes are given.
    public init(_ bytes: UnsafeRawBufferPointer, extendedMessages: Bool = false) throws(WireError) {
        guard bytes.count >= MessageHeader.length else {
            throw WireError(.truncated, at: 0, "\(bytes.count) bytes, a header needs 19")
        }
        guard MessageHeader.hasMarker(bytes) else { throw WireError(.badMarker, at: 0, "marker is not all ones") }
        let length = Int(bytes[16]) << 8 | Int(bytes[17])
        let limit = extendedMessages ? MessageHeader.maximumExtendedLength : MessageHeader.maximumLength
        guard length >= MessageHeader.length, length <= limit else {
            throw WireError(.badLength, at: 16, "length \(length) outside 19...\(limit)")
        }
        guard let type = MessageType(rawValue: bytes[18]) else {
            throw WireError(.badType, at: 18, "unknown message type \(bytes[18])")
        }
        let minimum: Int
        switch type {
        case .open: minimum = 29
        case .update: minimum = 23
        case .notification: minimum = 21
        case .keepalive: minimum = 19
        case .routeRefresh: minimum = 23
        }
        guard length >= minimum, type != .keepalive || length == 19 else {
            throw WireError(.badLength, at: 16, "length \(length) is invalid for \(type)")
        }
        self.length = length
        self.type = type
    }

    /// True when the first 16 bytes are all ones (callers ensure at least 16 bytes).
    @inlinable
    public static func hasMarker(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 16 else { return false }
        return bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self) == ~0
            && bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == ~0
    }
}
