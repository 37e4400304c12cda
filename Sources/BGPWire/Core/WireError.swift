/// A decoding failure: what went wrong and where (byte offset in the BGP message).
///
/// Equality compares `code` and `offset` only, so tests can assert outcomes without matching text.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Kinds of decoding failure; also the names counted in summaries and metrics.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case truncated
        case badMarker
        case badLength
        case badType
        case badVersion
        case badOptionalParameters
        case badCapability
        case badAttributeFlags
        case badAttributeLength
        case attributeOverrun
        case duplicateAttribute
        case missingMandatoryAttribute
        case badASPath
        case badNextHop
        case badNLRI
        case badOrigin
        case badMPReach
        case badMPUnreach
        case trailingBytes
        case badNotification
        case badRouteRefresh
    }

    public var code: Code
    /// Byte offset of the offending bytes from the start of the message (marker = 0).
    public var offset: Int
    /// Human-readable detail for logs.
    public var reason: String

    public init(_ code: Code, at offset: Int, _ reason: String = "") {
        self.code = code
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        reason.isEmpty ? "\(code.rawValue) at byte \(offset)" : "\(code.rawValue) at byte \(offset): \(reason)"
    }

    public static func == (lhs: WireError, rhs: WireError) -> Bool {
        lhs.code == rhs.code && lhs.offset == rhs.offset
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(offset)
    }
}
