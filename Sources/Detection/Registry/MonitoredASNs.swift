import BGPWire

/// The registry's monitored ASNs (docs/DETECTION.md, "Registry"), as the triage asks about them once per UPDATE: a
/// few (a registry names its own ASes) are compared in a list, in a few instructions, where the set hashes.
public struct MonitoredASNs: Sendable {
    public let all: Set<ASN>
    private let few: [ASN]?

    public init(_ all: Set<ASN>) {
        self.all = all
        few = all.count <= 8 ? all.sorted() : nil
    }

    /// Whether `origin` is monitored (`nil`, an AS_SET or empty path's origin, is not).
    @inline(__always)
    public func contains(_ origin: ASN?) -> Bool {
        guard let origin else { return false }
        if let few { return few.contains(origin) }
        return all.contains(origin)
    }
}
