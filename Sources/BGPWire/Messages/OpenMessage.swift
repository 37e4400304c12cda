/// OPEN (RFC 4271 §4.2) with optional parameters (RFC 5492) in either the classic one-octet-length
/// form or the RFC 9072 extended form (non-extended length 255, type 255, then two-octet lengths).
public struct OpenMessage: Sendable, Hashable {
    public var version: UInt8
    /// The 2-octet My Autonomous System field (AS_TRANS when the speaker's ASN needs 4 octets).
    public var myAS: UInt16
    public var holdTime: UInt16
    public var bgpIdentifier: IPv4Address
    public var capabilities: [Capability]
    /// Optional parameters other than capabilities (type, value), e.g. the deprecated authentication.
    public var otherParameters: [OptionalParameter]
    /// True when the RFC 9072 extended parameter length was used.
    public var usesExtendedParameters: Bool
    /// Malformed capabilities, kept as `.unknown` in `capabilities` and reported here.
    public var errors: [WireError]

    public struct OptionalParameter: Sendable, Hashable {
        public var type: UInt8
        public var value: [UInt8]
    }

    public init(version: UInt8 = 4, myAS: UInt16, holdTime: UInt16, bgpIdentifier: IPv4Address,
                capabilities: [Capability]) {
        self.version = version
        self.myAS = myAS
        self.holdTime = holdTime
        self.bgpIdentifier = bgpIdentifier
        self.capabilities = capabilities
        otherParameters = []
        usesExtendedParameters = false
        errors = []
    }

    /// Decodes the body after the 19-octet header.
    public init(body: inout WireReader) throws(WireError) {
        let at = body.position
        guard let version = body.readUInt8(), let myAS = body.readUInt16(), let hold = body.readUInt16(),
            let id = body.readUInt32(), let paramLength = body.readUInt8()
        else { throw WireError(.truncated, at: at, "OPEN shorter than its 10 fixed bytes") }
        guard version == 4 else { throw WireError(.badVersion, at: at, "BGP version \(version)") }
        self.version = version
        self.myAS = myAS
        holdTime = hold
        bgpIdentifier = IPv4Address(id)
        capabilities = []
        otherParameters = []
        errors = []
        usesExtendedParameters = false
        var length = Int(paramLength)
        if paramLength == 255, body.peekUInt8() == 255 {
            _ = body.skip(1)
            guard let extended = body.readUInt16() else {
                throw WireError(.badOptionalParameters, at: body.position, "truncated extended parameters length")
            }
            length = Int(extended)
            usesExtendedParameters = true
        }
        guard var params = body.readSlice(length) else {
            throw WireError(.badOptionalParameters, at: at + 9, "parameters length \(length) overruns the message")
        }
        guard body.isEmpty else {
            throw WireError(.trailingBytes, at: body.position, "\(body.remaining) bytes after the optional parameters")
        }
        while !params.isEmpty {
            let pat = params.position
            guard let type = params.readUInt8(),
                let plen = usesExtendedParameters ? params.readUInt16().map(Int.init) : params.readUInt8().map(Int.init),
                var value = params.readSlice(plen)
            else { throw WireError(.badOptionalParameters, at: pat, "optional parameter overruns the parameters") }
            guard type == 2 else {
                otherParameters.append(OptionalParameter(type: type, value: value.readRemainingBytes()))
                continue
            }
            while !value.isEmpty {
                let cat = value.position
                guard let code = value.readUInt8(), let clen = value.readUInt8(), let cvalue = value.readSlice(Int(clen)) else {
                    errors.append(WireError(.badCapability, at: cat, "capability overruns its parameter"))
                    capabilities.append(.unknown(code: 0, value: value.readRemainingBytes()))
                    break
                }
                do {
                    capabilities.append(try Capability(code: code, value: cvalue))
                } catch {
                    errors.append(error)
                    var raw = cvalue
                    capabilities.append(.unknown(code: code, value: raw.readRemainingBytes()))
                }
            }
        }
    }

    /// The speaker's ASN: the 4-octet AS capability when present, else My Autonomous System.
    public var asn: ASN {
        for case .fourOctetAS(let asn) in capabilities { return asn }
        return ASN(myAS)
    }

    public var supportsFourOctetAS: Bool { capabilities.contains { $0.code == 65 } }
    public var supportsExtendedMessages: Bool { capabilities.contains { $0.code == 6 } }

    public var role: BGPRole? {
        for case .role(let r) in capabilities { return r }
        return nil
    }

    public var addPathEntries: [AddPathEntry] {
        capabilities.flatMap { cap -> [AddPathEntry] in
            if case .addPath(let e) = cap { return e }
            return []
        }
    }

    public var multiprotocolFamilies: [AddressFamily] {
        capabilities.compactMap { cap in
            if case .multiprotocol(let f) = cap { return f }
            return nil
        }
    }
}
