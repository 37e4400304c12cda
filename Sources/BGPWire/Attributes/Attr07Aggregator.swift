/// AGGREGATOR (type 7, RFC 4271 §5.1.7; 4-octet form RFC 6793 §3) and AS4_AGGREGATOR (type 18).
public struct Aggregator: Sendable, Hashable, CustomStringConvertible {
    public var asn: ASN
    public var address: IPv4Address

    public init(asn: ASN, address: IPv4Address) {
        self.asn = asn
        self.address = address
    }

    /// Decodes a value of exactly 6 (2-octet AS) or 8 (4-octet AS) bytes.
    public init(from reader: inout WireReader, fourOctet: Bool) throws(WireError) {
        let at = reader.position
        let expected = fourOctet ? 8 : 6
        guard reader.remaining == expected else {
            throw WireError(.badAttributeLength, at: at, "aggregator of \(reader.remaining) bytes, expected \(expected)")
        }
        asn = fourOctet ? reader.readUInt32() ?? 0 : ASN(reader.readUInt16() ?? 0)
        address = IPv4Address(reader.readUInt32() ?? 0)
    }

    public var description: String { "\(asn) \(address)" }
}
