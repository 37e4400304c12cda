import BGPWire

/// `more-specific`: a legitimate origin announces P longer than the registered maxLength.
public enum MoreSpecific {
    public static func check(_ input: RouteInput) -> Finding? {
        guard let r = input.registered, let o = input.path.origin, r.origins.contains(o),
            input.prefix.length > r.maxLength
        else { return nil }
        return Finding(.moreSpecific, prefix: input.prefix, offender: o, registered: r,
                       summary: "\(input.prefix) from \(input.registry.name(o)) is longer than maxLength /\(r.maxLength) of \(r.prefix)")
    }
}
