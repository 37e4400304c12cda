/// The AS path an `UpdateView`'s routes are judged by: AS_PATH merged with AS4_PATH where RFC 6793 §4.2.3 says
/// so, and its origin (RFC 6811), read from the message's bytes on demand.
extension UpdateView {
    /// RFC 6811 origin of the path after the RFC 6793 merge, without building the path.
    @inlinable public var effectiveOriginASN: ASN? {
        // After the merge the final segment comes from AS4_PATH whenever it contributes any hop.
        as4PathHops32 > 0 && useAS4Path ? as4PathOrigin : asPathOrigin
    }

    /// The ASNs of the effective path when it is one AS_SEQUENCE exactly filling AS_PATH and AS4_PATH does not
    /// apply (RFC 6793 §4.2.3) — most of a table — read into one array; `nil` for any other path (then
    /// `effectiveASPath()`, which for this one would build the same ASNs inside a segment list).
    public func effectiveOneSequence() -> [ASN]? {
        guard let range = asPathRange, range.count >= 2, as4PathRange == nil || !useAS4Path else { return nil }
        let width = context.fourOctetAS ? 4 : 2
        let count = Int(bytes[range.lowerBound + 1])
        guard bytes[range.lowerBound] == ASPathSegment.Kind.sequence.rawValue, count > 0,
            range.count == 2 + count * width
        else { return nil }
        var asns: [ASN] = []
        asns.reserveCapacity(count)
        var at = range.lowerBound + 2
        for _ in 0..<count {
            asns.append(width == 4 ? UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
                : ASN(UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self))))
            at += width
        }
        return asns
    }

    /// The path to judge routes by: AS_PATH merged with AS4_PATH when `useAS4Path` (RFC 6793 §4.2.3).
    /// Allocates the path; call it only for UPDATEs that matter.
    public func effectiveASPath() -> ASPath? {
        guard let asPathRange else { return nil }
        var reader = slice(asPathRange)
        guard let asPath = try? ASPath(from: &reader, fourOctet: context.fourOctetAS) else { return nil }
        guard useAS4Path, let as4PathRange else { return asPath }
        var as4Reader = slice(as4PathRange)
        guard let as4 = try? ASPath(from: &as4Reader, fourOctet: true) else { return asPath }
        return ASPath.merge(asPath: asPath, as4Path: as4)
    }

    /// RFC 6793 §4.2.3: AS4_PATH is used when `ASPath.as4PathApplies` and it is not longer than AS_PATH.
    public var useAS4Path: Bool {
        guard as4PathRange != nil, asPathRange != nil,
            ASPath.as4PathApplies(fourOctetSession: context.fourOctetAS, aggregator: aggregator,
                                  as4Aggregator: as4Aggregator)
        else { return false }
        return as4PathHops <= asPathHops
    }
}
