/// Path attribute type codes (IANA "BGP Path Attributes") that BGPSentry decodes.
public enum PathAttributeType {
    public static let origin: UInt8 = 1  // RFC 4271 §5.1.1
    public static let asPath: UInt8 = 2  // RFC 4271 §5.1.2
    public static let nextHop: UInt8 = 3  // RFC 4271 §5.1.3
    public static let multiExitDisc: UInt8 = 4  // RFC 4271 §5.1.4
    public static let localPref: UInt8 = 5  // RFC 4271 §5.1.5
    public static let atomicAggregate: UInt8 = 6  // RFC 4271 §5.1.6
    public static let aggregator: UInt8 = 7  // RFC 4271 §5.1.7
    public static let communities: UInt8 = 8  // RFC 1997
    public static let originatorID: UInt8 = 9  // RFC 4456
    public static let clusterList: UInt8 = 10  // RFC 4456
    public static let mpReachNLRI: UInt8 = 14  // RFC 4760 §3
    public static let mpUnreachNLRI: UInt8 = 15  // RFC 4760 §4
    public static let extendedCommunities: UInt8 = 16  // RFC 4360
    public static let as4Path: UInt8 = 17  // RFC 6793 §3
    public static let as4Aggregator: UInt8 = 18  // RFC 6793 §3
    public static let aigp: UInt8 = 26  // RFC 7311
    public static let largeCommunity: UInt8 = 32  // RFC 8092
    public static let bgpsecPath: UInt8 = 33  // RFC 8205 §3 (kept raw)
    public static let onlyToCustomer: UInt8 = 35  // RFC 9234 §5

    /// Names for reports; `nil` for codes we do not know.
    public static func name(_ code: UInt8) -> String? {
        switch code {
        case 1: "ORIGIN"
        case 2: "AS_PATH"
        case 3: "NEXT_HOP"
        case 4: "MULTI_EXIT_DISC"
        case 5: "LOCAL_PREF"
        case 6: "ATOMIC_AGGREGATE"
        case 7: "AGGREGATOR"
        case 8: "COMMUNITIES"
        case 9: "ORIGINATOR_ID"
        case 10: "CLUSTER_LIST"
        case 14: "MP_REACH_NLRI"
        case 15: "MP_UNREACH_NLRI"
        case 16: "EXTENDED_COMMUNITIES"
        case 17: "AS4_PATH"
        case 18: "AS4_AGGREGATOR"
        case 26: "AIGP"
        case 32: "LARGE_COMMUNITY"
        case 33: "BGPsec_PATH"
        case 35: "OTC"
        default: nil
        }
    }
}

/// Attribute flags octet (RFC 4271 §4.3).
public struct PathAttributeFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let optional = PathAttributeFlags(rawValue: 0x80)
    public static let transitive = PathAttributeFlags(rawValue: 0x40)
    public static let partial = PathAttributeFlags(rawValue: 0x20)
    public static let extendedLength = PathAttributeFlags(rawValue: 0x10)
}

/// RFC 7606 §2 error-handling approaches, ordered by severity; the worst one seen in an UPDATE wins.
public enum ErrorAction: UInt8, Sendable, Comparable, CustomStringConvertible {
    /// The attribute is ignored; the rest of the UPDATE stands.
    case attributeDiscard = 1
    /// Every route in the UPDATE is handled as withdrawn.
    case treatAsWithdraw = 2
    /// The address family is disabled for the session (RFC 4760 §7).
    case afiSafiDisable = 3
    /// The message cannot be parsed; a real router resets the session.
    case sessionReset = 4

    public static func < (lhs: ErrorAction, rhs: ErrorAction) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .attributeDiscard: "attribute-discard"
        case .treatAsWithdraw: "treat-as-withdraw"
        case .afiSafiDisable: "afi-safi-disable"
        case .sessionReset: "session-reset"
        }
    }
}

/// One RFC 7606 outcome recorded on a decoded UPDATE: what was wrong, where, and what it means.
public struct UpdateError: Sendable, Hashable, CustomStringConvertible {
    public var action: ErrorAction
    public var error: WireError
    /// The attribute type code involved, if the error is in an attribute.
    public var attributeType: UInt8?

    public init(action: ErrorAction, error: WireError, attributeType: UInt8? = nil) {
        self.action = action
        self.error = error
        self.attributeType = attributeType
    }

    public var description: String {
        let attr = attributeType.map { " in " + (PathAttributeType.name($0) ?? "attribute \($0)") } ?? ""
        return "\(action)\(attr): \(error)"
    }
}
