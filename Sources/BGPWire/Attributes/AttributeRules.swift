/// A 256-bit set of attribute type codes seen in one UPDATE (duplicate detection, RFC 7606 §3.g).
struct SeenAttributes {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Inserts `type`; returns `false` when it was already present.
    @inline(__always)
    mutating func insert(_ type: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(type & 63)
        switch type >> 6 {
        case 0: defer { words.0 |= bit }; return words.0 & bit == 0
        case 1: defer { words.1 |= bit }; return words.1 & bit == 0
        case 2: defer { words.2 |= bit }; return words.2 & bit == 0
        default: defer { words.3 |= bit }; return words.3 & bit == 0
        }
    }
}

/// Per-attribute flag expectations and RFC 7606 §7 error actions.
enum AttributeRules {
    /// Expected Optional/Transitive bits (0x80/0x40) for attributes we decode; `nil` to not check.
    @inline(__always)
    static func expectedFlags(for type: UInt8) -> UInt8? {
        switch type {
        case 1, 2, 3, 5, 6: 0x40  // well-known
        case 4, 9, 10, 14, 15, 26: 0x80  // optional non-transitive
        case 7, 8, 16, 17, 18, 32, 35: 0xC0  // optional transitive
        default: nil
        }
    }

    @inline(__always)
    static func action(for type: UInt8) -> ErrorAction {
        switch type {
        case PathAttributeType.mpReachNLRI, PathAttributeType.mpUnreachNLRI: .sessionReset
        case PathAttributeType.atomicAggregate, PathAttributeType.aggregator, PathAttributeType.as4Path,
            PathAttributeType.as4Aggregator, PathAttributeType.aigp:
            .attributeDiscard
        case PathAttributeType.origin, PathAttributeType.asPath, PathAttributeType.nextHop,
            PathAttributeType.multiExitDisc, PathAttributeType.localPref, PathAttributeType.communities,
            PathAttributeType.originatorID, PathAttributeType.clusterList, PathAttributeType.extendedCommunities,
            PathAttributeType.largeCommunity, PathAttributeType.onlyToCustomer:
            .treatAsWithdraw
        default: .attributeDiscard
        }
    }
}
