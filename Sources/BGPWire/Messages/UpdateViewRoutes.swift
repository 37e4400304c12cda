/// Reading the routes an `UpdateView` found (RFC 4271 §4.3 withdrawn routes and NLRI, RFC 4760 MP_REACH_NLRI and
/// MP_UNREACH_NLRI, with RFC 7911 path identifiers where the session negotiated them), lazily, over the
/// message's bytes.
extension UpdateView {
    /// The parts of an UPDATE that carry routes.
    public enum RouteSection: Sendable, CaseIterable {
        case withdrawn, nlri, mpReach, mpUnreach
    }

    /// Reads the routes of one section, lazily. Sections that failed validation yield what precedes the error.
    public func routes(_ section: RouteSection) -> RouteReader {
        switch section {
        case .withdrawn:
            return RouteReader(slice(withdrawnRange), family: .ipv4Unicast,
                               addPath: context.addPath.contains(.ipv4Unicast))
        case .nlri:
            return RouteReader(slice(nlriRange), family: .ipv4Unicast, addPath: context.addPath.contains(.ipv4Unicast))
        case .mpReach:
            guard let r = mpReach, r.family.prefixEncoding != nil else { return emptyReader() }
            return RouteReader(slice(r.nlriRange), family: r.family, addPath: context.addPath.contains(r.family))
        case .mpUnreach:
            guard let r = mpUnreach, r.family.prefixEncoding != nil else { return emptyReader() }
            return RouteReader(slice(r.nlriRange), family: r.family, addPath: context.addPath.contains(r.family))
        }
    }

    /// The prefixes of one section when its family's NLRI are plain (no labels, no route distinguisher),
    /// read without building routes; `nil` for other encodings (read those with `routes(_:)`).
    @inlinable
    public func prefixes(_ section: RouteSection) -> PrefixReader? {
        let range: Range<Int>
        let family: AddressFamily
        switch section {
        case .withdrawn: (range, family) = (withdrawnRange, .ipv4Unicast)
        case .nlri: (range, family) = (nlriRange, .ipv4Unicast)
        case .mpReach:
            guard let r = mpReach else { return Self.noPrefixes }
            (range, family) = (r.nlriRange, r.family)
        case .mpUnreach:
            guard let r = mpUnreach else { return Self.noPrefixes }
            (range, family) = (r.nlriRange, r.family)
        }
        guard family.prefixEncoding == .plain else { return nil }
        return PrefixReader(UnsafeRawBufferPointer(rebasing: bytes[range]), isIPv4: family.afi == 1,
                            addPath: context.addPath.contains(family))
    }

    /// A reader of no prefixes (a section the UPDATE does not have).
    @inlinable static var noPrefixes: PrefixReader {
        PrefixReader(UnsafeRawBufferPointer(start: nil, count: 0), isIPv4: true, addPath: false)
    }

    private func emptyReader() -> RouteReader {
        RouteReader(slice(0..<0), family: .ipv4Unicast, addPath: false)
    }

    /// A reader over `range` of the message, positioned for error offsets.
    public func slice(_ range: Range<Int>) -> WireReader {
        WireReader(UnsafeRawBufferPointer(rebasing: bytes[range]), base: range.lowerBound)
    }

    /// The plain prefix (RFC 4271 §4.3: a length in bits, then the prefix octets) whose length octet is at
    /// `offset` of the message, as `PrefixReader` reads it; `nil` when it is longer than its family allows or
    /// overruns the message. For a prefix another reader located (`TriageVerdict`'s hints).
    public func plainPrefix(lengthAt offset: Int, isIPv4: Bool) -> IPPrefix? {
        guard offset >= 0, offset < bytes.count else { return nil }
        var reader = PrefixReader(UnsafeRawBufferPointer(rebasing: bytes[offset...]), isIPv4: isIPv4, addPath: false)
        return reader.next()
    }

    /// Routes announced (classic NLRI + MP_REACH with decoded families).
    public var announcedCount: Int { nlriCount + (mpReach?.routeCount ?? 0) }
    /// Routes withdrawn (classic withdrawn field + MP_UNREACH with decoded families).
    public var withdrawnTotal: Int { withdrawnCount + (mpUnreach?.routeCount ?? 0) }

    /// True for an End-of-RIB marker (RFC 4724 §2): an empty UPDATE, or one with only an empty MP_UNREACH.
    @inlinable public var isEndOfRIB: Bool {
        if withdrawnCount == 0 && nlriCount == 0 && asPathRange == nil && mpReach == nil {
            if let u = mpUnreach { return u.nlriRange.isEmpty }
            return origin == nil && unknownAttributeList == nil && errorList == nil
        }
        return false
    }
}
