import BGPWire

/// Fuzz target `bgp-message`: one BGP message (RFC 4271 §4) decoded under the capability combination the
/// first input byte selects — bit 0 four-octet AS (RFC 6793), bits 1–2 ADD-PATH for IPv4/IPv6 unicast
/// (RFC 7911), bit 3 extended messages (RFC 8654). Every route of every section and the effective AS path
/// are read; every prefix prints and parses back; the common-case reading of an UPDATE equals the careful one;
/// a message that decodes without errors survives an encode → decode round trip unchanged.
public enum BGPMessageTarget {
    public static func run(_ input: UnsafeRawBufferPointer) {
        guard let selector = input.first else { return }
        let bytes = UnsafeRawBufferPointer(rebasing: input[1...])
        let context = self.context(selector)
        // A `LabelStack` keeps three labels and counts the rest (Route stays fixed-size); such routes
        // cannot be encoded back as they came.
        guard readEveryRoute(bytes, context: context) else { return }
        guard let message = try? BGPMessage(bytes, context: context) else { return }
        // Messages decoded with errors are not what an encoder writes: only clean ones must round-trip.
        switch message {
        case .update(let update) where !update.errors.isEmpty: return
        case .open(let open) where !open.errors.isEmpty: return
        default: break
        }
        let again = try? BGPMessage(bytes: message.encoded(context: context), context: context)
        require(again == message, "round trip changed the message: \(message) → \(String(describing: again))")
    }

    static func context(_ selector: UInt8) -> DecodingContext {
        var families = AddPathFamilies()
        if selector & 0x02 != 0 { families.insert(.ipv4Unicast) }
        if selector & 0x04 != 0 { families.insert(.ipv6Unicast) }
        return DecodingContext(fourOctetAS: selector & 0x01 != 0, addPath: families, extendedMessages: selector & 0x08 != 0)
    }

    /// Walks an UPDATE the way the detection hot path does; `false` when a route had labels that were
    /// counted but not kept.
    static func readEveryRoute(_ bytes: UnsafeRawBufferPointer, context: DecodingContext) -> Bool {
        guard bytes.count >= MessageHeader.length, bytes[18] == MessageType.update.rawValue else { return true }
        let view = UpdateView(bytes, context: context)
        // The common-case reading must agree with the careful one on every input (see UpdateViewCommonCase.swift).
        require(view.hasSameReading(as: UpdateView(carefully: bytes, context: context)),
                "common-case and careful readings differ: \(view) vs \(UpdateView(carefully: bytes, context: context))")
        var routes = 0
        var labelsKept = true
        for section in UpdateView.RouteSection.allCases {
            var reader = view.routes(section)
            while let route = reader.next() {
                routes += 1
                labelsKept = labelsKept && route.labels.count <= 3
                require(IPPrefix(route.prefix.description) == route.prefix, "\(route.prefix) does not parse back")
            }
        }
        require(routes <= bytes.count, "\(routes) routes from \(bytes.count) bytes")
        _ = view.effectiveASPath()
        _ = view.effectiveOriginASN
        _ = view.isEndOfRIB
        return labelsKept
    }
}
