import BGPWire
import Testing

@Suite("Messages: header, OPEN, NOTIFICATION, ROUTE-REFRESH")
struct MessageTests {
    @Test("KEEPALIVE vector")
    func keepalive() throws {
        let m = try BGPMessage(bytes: hex(marker + "0013 04"))
        #expect(m == .keepalive)
        #expect(m.encoded() == hex(marker + "0013 04"))
    }

    @Test("header errors carry their offset", arguments: [
        (String(repeating: "fe", count: 16) + "0013 04", WireError.Code.badMarker, 0),
        (marker + "0012 04", .badLength, 16),
        (marker + "1001 02", .badLength, 16),  // 4097 > 4096 without extended messages
        (marker + "0013 09", .badType, 18),
        (marker + "0014 04 00", .badLength, 16),  // KEEPALIVE must be exactly 19
    ])
    func headerErrors(vector: String, code: WireError.Code, offset: Int) {
        #expect(throws: WireError(code, at: offset)) { try BGPMessage(bytes: hex(vector)) }
    }

    @Test("extended messages accept lengths up to 65535 (RFC 8654)")
    func extendedLength() throws {
        let update = BGPMessage.update(UpdateMessage(withdrawnRoutes: (0..<1500).map { i in
            Route(prefix: .v4(IPv4Prefix(address: IPv4Address(UInt32(i) << 8 | 0x0A00_0000), length: 24)!))
        }))
        let bytes = update.encoded()
        #expect(bytes.count > 4096)
        #expect(throws: WireError(.badLength, at: 16)) { try BGPMessage(bytes: bytes) }
        let decoded = try BGPMessage(bytes: bytes, context: DecodingContext(extendedMessages: true))
        guard case .update(let u) = decoded else { Issue.record("not an UPDATE"); return }
        #expect(u.withdrawnRoutes.count == 1500)
    }

    @Test("OPEN with every capability round-trips")
    func openRoundTrip() throws {
        let open = OpenMessage(myAS: 23456, holdTime: 90, bgpIdentifier: IPv4Address(192, 0, 2, 1), capabilities: [
            .multiprotocol(.ipv4Unicast), .multiprotocol(.ipv6Unicast), .routeRefresh,
            .extendedNextHop([ExtendedNextHopEntry(family: .ipv4Unicast, nextHopAFI: 2)]),
            .extendedMessage, .role(.customer),
            .gracefulRestart(GracefulRestartCapability(flags: 0x8, restartTime: 120, families: [.ipv4Unicast])),
            .fourOctetAS(4_200_000_001), .addPath([AddPathEntry(family: .ipv4Unicast, mode: .both)]),
            .enhancedRouteRefresh, .fqdn(hostname: "r1", domain: "example.net"), .unknown(code: 200, value: [1, 2, 3]),
        ])
        let bytes = BGPMessage.open(open).encoded()
        guard case .open(let decoded) = try BGPMessage(bytes: bytes) else { Issue.record("not an OPEN"); return }
        #expect(decoded.capabilities == open.capabilities)
        #expect(decoded.asn == 4_200_000_001)
        #expect(decoded.role == BGPRole.customer)
        #expect(decoded.supportsExtendedMessages && decoded.supportsFourOctetAS)
        #expect(decoded.errors.isEmpty)
    }

    @Test("OPEN with RFC 9072 extended optional parameters length")
    func openExtendedParameters() throws {
        // version 4, AS 65001, hold 180, id 1.1.1.1, 255 255 then length 0x0008: type 2, length 0x0005, cap 65 len... (4-octet AS 65001 is 6 bytes: 65 04 0000fde9)
        let body = "04 fde9 00b4 01010101 ff ff 0009 02 0006 41 04 0000fde9"
        let bytes = hex(marker + hex4(19 + hex(body).count) + "01" + body)
        guard case .open(let o) = try BGPMessage(bytes: bytes) else { Issue.record("not an OPEN"); return }
        #expect(o.usesExtendedParameters)
        #expect(o.capabilities == [.fourOctetAS(65001)])
    }

    @Test("a malformed capability is kept raw and reported")
    func badCapability() throws {
        // capability 65 with 2 bytes instead of 4
        let body = "04 fde9 00b4 01010101 06 02 04 41 02 0000"
        let bytes = hex(marker + hex4(19 + hex(body).count) + "01" + body)
        guard case .open(let o) = try BGPMessage(bytes: bytes) else { Issue.record("not an OPEN"); return }
        #expect(o.errors.count == 1)
        #expect(o.capabilities == [.unknown(code: 65, value: [0, 0])])
    }

    @Test("NOTIFICATION: RFC 9003 shutdown communication and RFC 8538 hard reset")
    func notifications() throws {
        let text = Array("maintenance".utf8)
        let shutdown = NotificationMessage(code: 6, subcode: 2, data: [UInt8(text.count)] + text)
        guard case .notification(let n) = try BGPMessage(bytes: BGPMessage.notification(shutdown).encoded()) else { return }
        #expect(n.shutdownCommunication == "maintenance")
        #expect(n.codeName == "Cease" && n.subcodeName == "Administrative Shutdown")
        let hard = NotificationMessage(code: 6, subcode: 9, data: [6, 2, UInt8(text.count)] + text)
        #expect(hard.hardResetReason?.subcode == 2)
        #expect(hard.shutdownCommunication == "maintenance")
        // A length octet pointing past the data gives no text, no crash.
        #expect(NotificationMessage(code: 6, subcode: 2, data: [200, 65]).shutdownCommunication == nil)
    }

    @Test("ROUTE-REFRESH with RFC 7313 subtypes")
    func routeRefresh() throws {
        let rr = RouteRefreshMessage(family: .ipv6Unicast, subtype: 2)
        guard case .routeRefresh(let d) = try BGPMessage(bytes: BGPMessage.routeRefresh(rr).encoded()) else { return }
        #expect(d == rr && d.subtypeName == "EoRR")
    }
}

/// Four hex digits of a 16-bit length.
func hex4(_ value: Int) -> String {
    let h = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - h.count)) + h
}
