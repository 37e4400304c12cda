import BGPWire

/// `rpki-invalid`: route origin validation (RFC 6811) of a registered prefix's route is Invalid — VRPs cover
/// the prefix but none authorises this origin at this length (an AS_SET origin is never authorised).
public enum RPKIInvalid {
    public static func check(_ input: RouteInput) -> Finding? {
        guard let rpki = input.dataSets.rpki, let r = input.registered,
            rpki.validate(input.prefix, origin: input.path.origin) == .invalid
        else { return nil }
        let vrps = rpki.covering(input.prefix).prefix(4).map { "\($0.prefix)-\($0.maxLength) AS\($0.asn)" }.joined(separator: ", ")
        let who = input.path.origin.map(input.registry.name) ?? "an AS_SET origin"
        return Finding(.rpkiInvalid, prefix: input.prefix, offender: input.path.origin, registered: r,
                       summary: "\(input.prefix) from \(who) is RPKI Invalid (covering VRPs: \(vrps))")
    }
}
