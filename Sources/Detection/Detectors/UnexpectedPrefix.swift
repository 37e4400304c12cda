import BGPWire

/// `unexpected-prefix` (RFC 7908 type 6): a monitored ASN originates a prefix no registered prefix covers.
public enum UnexpectedPrefix {
    public static func check(_ input: RouteInput) -> Finding? {
        // `case .none`, not `== nil`: the Equatable `==` copied the registered entry into a pair of optionals.
        guard case .none = input.registered, let o = input.path.origin, input.registry.isMonitored(o) else {
            return nil
        }
        return Finding(.unexpectedPrefix, prefix: input.prefix, offender: o, registered: nil,
                       summary: "\(input.registry.name(o)) originates \(input.prefix), which no registered prefix covers")
    }
}
