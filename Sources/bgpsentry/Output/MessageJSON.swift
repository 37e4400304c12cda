import Alerting
import BGPWire
import PacketCapture

/// Renders one captured message as a `bgpsentry.message/v1` JSON object (see README, "decode").
enum MessageJSON {
    static let schema = "bgpsentry.message/v1"

    static func write(_ m: CapturedMessage, decoded: BGPMessage?, error: WireError?, into w: inout JSONWriter) {
        w.beginObject()
        w.field("schema", schema)
        w.field("frame", m.frame)
        w.field("time", RFC3339.format(m.time.microseconds))
        w.field("session", m.session.id)
        w.field("src", m.source.address.description)
        w.field("srcPort", m.source.port)
        w.field("dst", m.destination.address.description)
        w.field("dstPort", m.destination.port)
        w.field("type", m.type.description)
        w.field("length", m.bytes.count)
        switch decoded {
        case .open(let open): writeOpen(open, into: &w)
        case .update(let update): writeUpdate(update, context: m.context, source: m.session.contextSources[m.sender], into: &w)
        case .notification(let n): writeNotification(n, into: &w)
        case .routeRefresh(let rr):
            w.field("afi", rr.family.afi)
            w.field("safi", rr.family.safi)
            w.field("subtype", rr.subtypeName)
        case .keepalive, nil:
            break
        }
        if let error {
            w.key("errors")
            w.beginArray()
            w.beginObject()
            w.field("action", "session-reset")
            w.field("code", error.code.rawValue)
            w.field("offset", error.offset)
            w.field("reason", error.reason)
            w.endObject()
            w.endArray()
        }
        w.endObject()
        w.newline()
    }

    static func writeOpen(_ open: OpenMessage, into w: inout JSONWriter) {
        w.field("asn", open.asn)
        w.field("myAS", open.myAS)
        w.field("holdTime", open.holdTime)
        w.field("bgpId", open.bgpIdentifier.description)
        w.key("capabilities")
        w.beginArray()
        for cap in open.capabilities {
            w.beginObject()
            w.field("code", cap.code)
            w.field("name", cap.name)
            switch cap {
            case .multiprotocol(let f):
                w.field("afi", f.afi)
                w.field("safi", f.safi)
            case .fourOctetAS(let asn): w.field("asn", asn)
            case .role(let r): w.field("role", r.description)
            case .addPath(let entries):
                w.stringArray("families", entries.map(\.description))
            case .gracefulRestart(let gr):
                w.field("restartTime", gr.restartTime)
                w.field("flags", gr.flags)
                w.stringArray("families", gr.families.map(\.description))
            case .extendedNextHop(let entries):
                w.stringArray("families", entries.map { "\($0.family) nh-afi \($0.nextHopAFI)" })
            case .fqdn(let host, let domain):
                w.field("hostname", host)
                w.field("domain", domain)
            case .unknown(_, let value):
                w.key("value")
                w.hex(value)
            case .routeRefresh, .extendedMessage, .enhancedRouteRefresh:
                break
            }
            w.endObject()
        }
        w.endArray()
        if !open.errors.isEmpty { w.stringArray("errors", open.errors.map(\.description)) }
    }

    static func writeUpdate(_ u: UpdateMessage, context: DecodingContext, source: ContextSource, into w: inout JSONWriter) {
        let announced = u.announced
        let withdrawn = u.withdrawn
        w.stringArray("announced", announced.lazy.map(\.description))
        w.stringArray("withdrawn", withdrawn.lazy.map(\.description))
        if !context.addPath.isEmpty {
            w.key("pathIds")
            w.beginObject()
            w.key("announced")
            w.beginArray()
            for r in announced { if let id = r.pathID { w.int(id) } else { w.null() } }
            w.endArray()
            w.key("withdrawn")
            w.beginArray()
            for r in withdrawn { if let id = r.pathID { w.int(id) } else { w.null() } }
            w.endArray()
            w.endObject()
        }
        let a = u.attributes
        if let reach = a.mpReach {
            w.key("mpReach")
            w.beginObject()
            w.field("afi", reach.family.afi)
            w.field("safi", reach.family.safi)
            w.stringArray("nextHops", reach.nextHops.map(\.description))
            if reach.family.prefixEncoding == nil { w.field("opaqueNLRI", reach.opaqueCount) }
            w.endObject()
        }
        if let unreach = a.mpUnreach {
            w.key("mpUnreach")
            w.beginObject()
            w.field("afi", unreach.family.afi)
            w.field("safi", unreach.family.safi)
            if unreach.family.prefixEncoding == nil { w.field("opaqueNLRI", unreach.opaqueCount) }
            w.endObject()
        }
        w.key("origin")
        if let o = a.origin { w.string(o.description) } else { w.null() }
        w.key("asPath")
        if let path = u.effectiveASPath {
            w.beginArray()
            for s in path.segments {
                w.beginObject()
                w.field("type", s.kind.description)
                w.key("asns")
                w.beginArray()
                for asn in s.asns { w.int(asn) }
                w.endArray()
                w.endObject()
            }
            w.endArray()
        } else {
            w.null()
        }
        w.optionalField("originASN", u.originASN)
        w.key("nextHop")
        if let nh = a.nextHop { w.string(nh.description) } else if let nh = a.mpReach?.nextHops.first {
            w.string(nh.description)
        } else { w.null() }
        w.optionalField("med", a.med)
        w.optionalField("localPref", a.localPref)
        w.stringArray("communities", a.communities.lazy.map(\.description))
        w.stringArray("largeCommunities", a.largeCommunities.lazy.map(\.description))
        w.stringArray("extendedCommunities", a.extendedCommunities.lazy.map(\.description))
        w.optionalField("otc", a.otc)
        w.key("atomicAggregate")
        w.bool(a.atomicAggregate)
        w.key("aggregator")
        if let agg = a.as4Aggregator ?? a.aggregator {
            w.beginObject()
            w.field("asn", agg.asn)
            w.field("address", agg.address.description)
            w.endObject()
        } else {
            w.null()
        }
        if let aigp = a.aigp { w.field("aigp", aigp) }
        if let id = a.originatorID { w.field("originatorId", id.description) }
        if !a.clusterList.isEmpty { w.stringArray("clusterList", a.clusterList.map(\.description)) }
        w.key("unknownAttributes")
        w.beginArray()
        for raw in a.unknown {
            w.beginObject()
            w.field("type", raw.type)
            w.field("flags", raw.flags.rawValue)
            w.key("value")
            w.hex(raw.value)
            w.endObject()
        }
        w.endArray()
        w.field("context", context.description)
        w.field("contextSource", source.rawValue)
        w.key("errors")
        w.beginArray()
        for e in u.errors {
            w.beginObject()
            w.field("action", e.action.description)
            w.field("code", e.error.code.rawValue)
            w.field("offset", e.error.offset)
            if let t = e.attributeType { w.field("attribute", PathAttributeType.name(t) ?? "type-\(t)") }
            w.field("reason", e.error.reason)
            w.endObject()
        }
        w.endArray()
    }

    static func writeNotification(_ n: NotificationMessage, into w: inout JSONWriter) {
        w.field("code", n.code)
        w.field("subcode", n.subcode)
        w.field("codeName", n.codeName)
        w.key("subcodeName")
        if let s = n.subcodeName { w.string(s) } else { w.null() }
        w.key("communication")
        if let c = n.shutdownCommunication { w.string(c) } else { w.null() }
        if let inner = n.hardResetReason {
            w.key("hardReset")
            w.beginObject()
            w.field("code", inner.code)
            w.field("subcode", inner.subcode)
            w.field("codeName", NotificationNames.code(inner.code))
            w.endObject()
        }
        if !n.data.isEmpty {
            w.key("data")
            w.hex(n.data)
        }
    }
}
