import Alerting
import BGPWire
import PacketCapture

/// One readable line per message for `decode --format text`.
enum MessageText {
    static func line(_ m: CapturedMessage, decoded: BGPMessage?, error: WireError?) -> String {
        var out = "#\(m.frame) \(RFC3339.format(m.time.microseconds)) \(m.source) > \(m.destination) \(m.type)"
        switch decoded {
        case .open(let o):
            out += " AS\(o.asn) hold \(o.holdTime) id \(o.bgpIdentifier) caps [\(o.capabilities.map(\.description).joined(separator: " "))]"
        case .update(let u):
            let ann = u.announced
            let wd = u.withdrawn
            if !wd.isEmpty { out += " withdraw \(wd.count): \(summary(wd))" }
            if !ann.isEmpty {
                out += " announce \(ann.count): \(summary(ann))"
                if let p = u.effectiveASPath { out += " path [\(p)]" }
                if let o = u.originASN { out += " origin AS\(o)" }
                if let nh = u.attributes.nextHop ?? u.attributes.mpReach?.nextHops.first.flatMap({ if case .v4(let a) = $0 { a } else { nil } }) {
                    out += " nh \(nh)"
                } else if let nh = u.attributes.mpReach?.nextHops.first {
                    out += " nh \(nh)"
                }
            }
            if let reach = u.attributes.mpReach, reach.family.prefixEncoding == nil {
                out += " \(reach.family) nlri \(reach.opaqueCount)"
            }
            if let unreach = u.attributes.mpUnreach, unreach.family.prefixEncoding == nil {
                out += " \(unreach.family) withdrawn-nlri \(unreach.opaqueCount)"
            }
            if ann.isEmpty && wd.isEmpty && u.attributes.mpReach == nil { out += " (end-of-rib or empty)" }
            for e in u.errors { out += " !\(e)" }
        case .notification(let n):
            out += " \(n.codeName)/\(n.subcodeName ?? String(n.subcode))"
            if let c = n.shutdownCommunication { out += " \"\(c)\"" }
        case .routeRefresh(let rr):
            out += " \(rr.family) \(rr.subtypeName)"
        case .keepalive, nil:
            break
        }
        if let error { out += " !malformed: \(error)" }
        return out + "\n"
    }

    private static func summary(_ routes: [Route]) -> String {
        let shown = routes.prefix(8).map(\.description).joined(separator: " ")
        return routes.count > 8 ? shown + " …" : shown
    }
}
