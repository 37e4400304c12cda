/// A BGP capability advertised in OPEN (RFC 5492 §4), decoded for the codes BGPSentry uses;
/// every other code, and any capability whose value is malformed, is kept raw.
public enum Capability: Sendable, Hashable, CustomStringConvertible {
    /// Code 1, RFC 4760 §8.
    case multiprotocol(AddressFamily)
    /// Code 2, RFC 2918 (and the pre-standard code 128).
    case routeRefresh
    /// Code 5, RFC 8950 §3: NLRI families that may use a next hop of another AFI.
    case extendedNextHop([ExtendedNextHopEntry])
    /// Code 6, RFC 8654.
    case extendedMessage
    /// Code 9, RFC 9234 §4.1.
    case role(BGPRole)
    /// Code 64, RFC 4724 §3 (with RFC 8538's N bit).
    case gracefulRestart(GracefulRestartCapability)
    /// Code 65, RFC 6793 §3.
    case fourOctetAS(ASN)
    /// Code 69, RFC 7911 §4.
    case addPath([AddPathEntry])
    /// Code 70, RFC 7313 §3.1.
    case enhancedRouteRefresh
    /// Code 73, draft-walton-bgp-hostname-capability.
    case fqdn(hostname: String, domain: String)
    /// Any other code, or a malformed value of a known one.
    case unknown(code: UInt8, value: [UInt8])

    public var code: UInt8 {
        switch self {
        case .multiprotocol: 1
        case .routeRefresh: 2
        case .extendedNextHop: 5
        case .extendedMessage: 6
        case .role: 9
        case .gracefulRestart: 64
        case .fourOctetAS: 65
        case .addPath: 69
        case .enhancedRouteRefresh: 70
        case .fqdn: 73
        case .unknown(let code, _): code
        }
    }

    /// Decodes one capability value; throws on a malformed value of a known code.
    public init(code: UInt8, value: WireReader) throws(WireError) {
        var r = value
        let at = r.position
        func done() throws(WireError) {
            guard r.isEmpty else { throw WireError(.badCapability, at: r.position, "capability \(code): trailing bytes") }
        }
        switch code {
        case 1:
            guard let afi = r.readUInt16(), r.skip(1), let safi = r.readUInt8() else {
                throw WireError(.badCapability, at: at, "multiprotocol capability shorter than 4 bytes")
            }
            try done()
            self = .multiprotocol(AddressFamily(afi: afi, safi: safi))
        case 2, 128:
            try done()
            self = code == 2 ? .routeRefresh : .unknown(code: code, value: [])
        case 5:
            var entries: [ExtendedNextHopEntry] = []
            while !r.isEmpty {
                guard let afi = r.readUInt16(), let safi = r.readUInt16(), let nh = r.readUInt16(), safi <= 255 else {
                    throw WireError(.badCapability, at: at, "extended next hop entries must be 6 bytes")
                }
                entries.append(ExtendedNextHopEntry(family: AddressFamily(afi: afi, safi: UInt8(safi)), nextHopAFI: nh))
            }
            self = .extendedNextHop(entries)
        case 6:
            try done()
            self = .extendedMessage
        case 9:
            guard let role = r.readUInt8() else { throw WireError(.badCapability, at: at, "empty role capability") }
            try done()
            self = .role(BGPRole(rawValue: role))
        case 64:
            self = .gracefulRestart(try GracefulRestartCapability(from: &r))
        case 65:
            guard let asn = r.readUInt32() else { throw WireError(.badCapability, at: at, "4-octet AS capability shorter than 4 bytes") }
            try done()
            self = .fourOctetAS(asn)
        case 69:
            var entries: [AddPathEntry] = []
            while !r.isEmpty {
                guard let afi = r.readUInt16(), let safi = r.readUInt8(), let mode = r.readUInt8() else {
                    throw WireError(.badCapability, at: at, "ADD-PATH entries must be 4 bytes")
                }
                entries.append(AddPathEntry(family: AddressFamily(afi: afi, safi: safi), mode: AddPathMode(rawValue: mode)))
            }
            self = .addPath(entries)
        case 70:
            try done()
            self = .enhancedRouteRefresh
        case 73:
            guard let hl = r.readUInt8(), let host = r.readBytes(Int(hl)), let dl = r.readUInt8(),
                let domain = r.readBytes(Int(dl))
            else { throw WireError(.badCapability, at: at, "FQDN capability lengths overrun its value") }
            try done()
            self = .fqdn(hostname: String(decoding: host, as: UTF8.self), domain: String(decoding: domain, as: UTF8.self))
        default:
            self = .unknown(code: code, value: r.readRemainingBytes())
        }
    }

    public var name: String {
        switch code {
        case 1: "multiprotocol"
        case 2: "route-refresh"
        case 3: "outbound-route-filtering"
        case 5: "extended-next-hop"
        case 6: "extended-message"
        case 7: "bgpsec"
        case 8: "multiple-labels"
        case 9: "role"
        case 64: "graceful-restart"
        case 65: "4-octet-as"
        case 69: "add-path"
        case 70: "enhanced-route-refresh"
        case 71: "long-lived-graceful-restart"
        case 73: "fqdn"
        case 128: "route-refresh-cisco"
        default: "capability-\(code)"
        }
    }

    public var description: String {
        switch self {
        case .multiprotocol(let f): "multiprotocol(\(f))"
        case .fourOctetAS(let asn): "4-octet-as(\(asn))"
        case .role(let r): "role(\(r))"
        case .addPath(let e): "add-path(\(e.map(\.description).joined(separator: ",")))"
        case .fqdn(let h, let d): "fqdn(\(h)\(d.isEmpty ? "" : "." + d))"
        case .unknown(let code, let v): "\(name)[\(v.count) bytes]" + (code == 0 ? "" : "")
        default: name
        }
    }
}

/// RFC 9234 §4.1 role values; unknown values are kept.
public struct BGPRole: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let provider = BGPRole(rawValue: 0)
    public static let routeServer = BGPRole(rawValue: 1)
    public static let routeServerClient = BGPRole(rawValue: 2)
    public static let customer = BGPRole(rawValue: 3)
    public static let peer = BGPRole(rawValue: 4)

    public var description: String {
        switch rawValue {
        case 0: "provider"
        case 1: "rs"
        case 2: "rs-client"
        case 3: "customer"
        case 4: "peer"
        default: "role-\(rawValue)"
        }
    }
}

/// RFC 7911 §4 send/receive modes.
public struct AddPathMode: RawRepresentable, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let receive = AddPathMode(rawValue: 1)
    public static let send = AddPathMode(rawValue: 2)
    public static let both = AddPathMode(rawValue: 3)

    public var canSend: Bool { rawValue & 2 != 0 }
    public var canReceive: Bool { rawValue & 1 != 0 }
}

/// One (AFI, SAFI, send/receive) entry of the ADD-PATH capability.
public struct AddPathEntry: Sendable, Hashable, CustomStringConvertible {
    public var family: AddressFamily
    public var mode: AddPathMode

    public init(family: AddressFamily, mode: AddPathMode) {
        self.family = family
        self.mode = mode
    }

    public var description: String {
        let m: String
        switch mode.rawValue {
        case 1: m = "receive"
        case 2: m = "send"
        case 3: m = "send/receive"
        default: m = "mode-\(mode.rawValue)"
        }
        return "\(family) \(m)"
    }
}

/// One entry of the Extended Next Hop capability (RFC 8950 §3).
public struct ExtendedNextHopEntry: Sendable, Hashable {
    public var family: AddressFamily
    public var nextHopAFI: AFI

    public init(family: AddressFamily, nextHopAFI: AFI) {
        self.family = family
        self.nextHopAFI = nextHopAFI
    }
}

/// Graceful Restart capability value (RFC 4724 §3; N bit RFC 8538 §2).
public struct GracefulRestartCapability: Sendable, Hashable {
    public var flags: UInt8
    public var restartTime: UInt16
    public var families: [AddressFamily]

    public init(from reader: inout WireReader) throws(WireError) {
        let at = reader.position
        guard let word = reader.readUInt16() else {
            if reader.isEmpty {
                flags = 0
                restartTime = 0
                families = []
                return
            }
            throw WireError(.badCapability, at: at, "graceful restart capability shorter than 2 bytes")
        }
        flags = UInt8(word >> 12)
        restartTime = word & 0x0FFF
        families = []
        while !reader.isEmpty {
            guard let afi = reader.readUInt16(), let safi = reader.readUInt8(), reader.skip(1) else {
                throw WireError(.badCapability, at: at, "graceful restart entries must be 4 bytes")
            }
            families.append(AddressFamily(afi: afi, safi: safi))
        }
    }
}
