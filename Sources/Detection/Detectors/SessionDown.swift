import BGPWire

/// `session-down`: a NOTIFICATION was seen or the TCP connection closed; names code, subcode and any
/// RFC 9003 shutdown communication.
public enum SessionDown {
    public static func check(session: SessionInfo, cause: String, registry: Registry) -> Finding {
        let who = session.neighborASN.map(registry.name) ?? "unknown AS"
        return Finding(.sessionDown, prefix: nil, offender: session.neighborASN, registered: nil,
                       summary: "session with \(session.neighbor) \(who) went down: \(cause)")
    }
}
