import BGPWire
import Detection

/// Renders alert events as `bgpsentry.alert/v1` JSON objects (docs/DETECTION.md, "Alert event schema").
/// Keys are written in a fixed order so the output is byte-identical across runs.
public enum AlertJSON {
    public static let schema = "bgpsentry.alert/v1"

    public static func write(_ event: AlertEvent, registry: Registry, into w: inout JSONWriter) {
        let a = event.alert
        let f = a.finding
        w.beginObject()
        w.field("schema", schema)
        w.field("id", a.identity.id)
        w.field("status", event.status.rawValue)
        w.field("type", a.identity.type.rawValue)
        w.field("severity", a.severity.rawValue)
        w.key("prefix")
        if let p = a.identity.prefix { w.string(p.description) } else { w.null() }
        w.key("registeredPrefix")
        if let r = f.registered { w.string(r.prefix.description) } else { w.null() }
        w.key("group")
        if let g = f.registered?.group { w.string(g) } else { w.null() }
        w.key("expectedOrigins")
        if let r = f.registered {
            w.beginArray()
            for o in r.origins { w.int(o) }
            w.endArray()
        } else {
            w.null()
        }
        w.optionalField("originASN", a.path?.origin)
        w.optionalField("offenderASN", a.identity.offender)
        w.key("asPath")
        if let path = a.path {
            w.beginArray()
            for asn in path.asns { w.int(asn) }
            w.endArray()
        } else {
            w.null()
        }
        w.key("method")
        if f.methods.isEmpty { w.null() } else { w.string(f.methods.joined(separator: ",")) }
        w.optionalField("leakerASN", f.leaker)
        w.key("session")
        if let s = a.session {
            w.beginObject()
            w.field("local", s.local.description)
            w.field("neighbor", s.neighbor.description)
            w.optionalField("neighborASN", s.neighborASN)
            w.key("role")
            if let r = s.role { w.string(r.description) } else { w.null() }
            w.endObject()
        } else {
            w.null()
        }
        w.field("firstSeen", RFC3339.format(a.firstSeen, fractionDigits: 3))
        w.field("lastSeen", RFC3339.format(a.lastSeen, fractionDigits: 3))
        w.field("observations", a.observations)
        w.key("seenBy")
        w.beginArray()
        for o in a.seenBy.sorted() {
            w.beginObject()
            w.field("neighbor", o.neighbor.description)
            w.optionalField("neighborASN", o.neighborASN)
            w.endObject()
        }
        w.endArray()
        w.key("evidence")
        writeEvidence(a.evidence, into: &w)
        if event.status == .resolved {
            w.key("reason")
            if let r = event.reason { w.string(r.rawValue) } else { w.null() }
            w.field("resolvedAt", RFC3339.format(event.time, fractionDigits: 3))
            w.key("resolvedBy")
            writeEvidence(event.resolvingEvidence, into: &w)
        }
        if event.reminder {
            w.key("reminder")
            w.bool(true)
        }
        w.field("summary", f.summary)
        w.endObject()
        w.newline()
    }

    private static func writeEvidence(_ evidence: Evidence?, into w: inout JSONWriter) {
        guard let e = evidence else {
            w.null()
            return
        }
        w.beginObject()
        w.field("source", e.position.source)
        w.field("frame", e.position.frame)
        w.key("update")
        w.hex(e.message)
        w.endObject()
    }
}
