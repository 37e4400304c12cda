import BGPWire
import Detection

/// One readable line per alert event, optionally coloured (ANSI) for terminals.
public enum AlertText {
    public static func line(_ event: AlertEvent, colour: Bool) -> String {
        let a = event.alert
        let status: String
        switch event.status {
        case .firing: status = event.reminder ? "STILL" : "FIRING"
        case .resolved: status = "RESOLVED"
        }
        var text = "\(RFC3339.format(event.time, fractionDigits: 3)) \(status) \(a.severity.rawValue) \(a.identity.type.rawValue)"
        if let p = a.identity.prefix { text += " \(p)" }
        text += ": \(a.finding.summary)"
        if let s = a.session, event.status == .firing {
            text += " [via \(s.neighbor)\(s.neighborASN.map { " AS\($0)" } ?? "")"
            if let e = a.evidence { text += ", frame \(e.position.frame)" }
            text += "]"
        }
        if let r = event.reason { text += " (\(r.rawValue))" }
        guard colour else { return text + "\n" }
        let code: String
        switch (event.status, a.severity) {
        case (.resolved, _): code = "32"
        case (_, .critical): code = "1;31"
        case (_, .major): code = "33"
        case (_, .warning): code = "36"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m\n"
    }
}
