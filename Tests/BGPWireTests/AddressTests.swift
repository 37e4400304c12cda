import BGPWire
import Testing

@Suite("Addresses and prefixes")
struct AddressTests {
    @Test("RFC 5952 text form", arguments: [
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // first of two equal runs
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // a single zero group is not compressed
        ("::", "::"),
        ("::1", "::1"),
        ("fe80::", "fe80::"),
        ("::ffff:192.0.2.1", "::ffff:c000:201"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),  // a dotted quad ends the last side
        ("::1.2.3.4", "::102:304"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("ABCD:ef01::", "abcd:ef01::"),
    ])
    func ipv6Text(input: String, expected: String) throws {
        let a = try #require(IPv6Address(input))
        #expect(a.description == expected)
    }

    @Test("invalid address text is rejected", arguments: [
        "1.2.3", "1.2.3.256", "2001:db8:::1", "2001:db8::1::2", "g::1", "",
        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::1", "1::2:3:4:5:6:7:8", ":1::", "1:", ":1", "1.2.3.4::",
        "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "1::2::",
    ])
    func invalid(text: String) {
        #expect(IPv4Address(text) == nil && IPv6Address(text) == nil)
    }

    @Test("prefixes clear host bits and parse strictly")
    func prefixes() throws {
        #expect(IPPrefix("10.1.2.0/24")?.description == "10.1.2.0/24")
        #expect(IPPrefix("10.1.2.3/24") == nil)
        #expect(IPPrefix("10.1.2.3/24", allowHostBits: true)?.description == "10.1.2.0/24")
        #expect(IPPrefix("10.0.0.0/33") == nil)
        #expect(IPPrefix("2001:db8::/32")?.description == "2001:db8::/32")
        // A slice of a longer string reads only its own characters.
        let line = "prefix: 2001:db8:1::/48 # note"
        #expect(IPPrefix(line.dropFirst(8).prefix(15))?.description == "2001:db8:1::/48")
        #expect(IPPrefix(line.dropFirst(8).prefix(14)) == nil)
        let outer = try #require(IPPrefix("13.107.0.0/16"))
        let inner = try #require(IPPrefix("13.107.4.0/24"))
        guard case .v4(let o) = outer, case .v4(let i) = inner else { return }
        #expect(o.contains(i) && !i.contains(o))
    }
}
