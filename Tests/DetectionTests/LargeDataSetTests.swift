import BGPWire
import Detection
import Foundation
import Testing

/// The paths the loaders take only for large files: the ROA array read on two threads (and its fallback
/// when the cut falls inside a string), the as-rel table growing, files read straight into memory.
struct LargeDataSetTests {
    /// An rpki-client document of `count` ROAs (well over the 4 MiB two-thread threshold at 60,000), ROA i
    /// being 10.(i / 256).(i % 256).0/24 from AS 64496 + i; `ta` values may hold JSON text.
    static func document(count: Int, ta: (Int) -> String = { _ in "ripe" }, bad: Set<Int> = []) -> String {
        var out = "{\"metadata\": {\"buildtime\": \"2026-12-01T00:00:00Z\"},\n\"roas\": [\n"
        for i in 0..<count {
            let prefix = bad.contains(i) ? "10.0.0.1/33" : "10.\(i / 256 % 256).\(i % 256).0/24"
            out += "\t{ \"asn\": \(64496 + i), \"prefix\": \"\(prefix)\", \"maxLength\": 24, \"ta\": \"\(ta(i))\", \"expires\": 1767225600 }"
            out += i + 1 < count ? ",\n" : "\n"
        }
        out += "],\n\"aspas\": [ { \"customer_asid\": 64496, \"providers\": [64497, 64498] } ]\n}\n"
        return out
    }

    static func expected(count: Int) -> [VRP] {
        (0..<count).map { i in
            VRP(prefix: IPPrefix("10.\(i / 256 % 256).\(i % 256).0/24")!, maxLength: 24, asn: ASN(64496 + i))
        }
    }

    @Test("a large ROA array read on two threads gives the VRPs in file order")
    func splitRead() throws {
        let count = 60_000
        let text = Self.document(count: count)
        #expect(text.utf8.count > 4 << 20)
        let (vrps, aspas) = try RPKILoader.parsePayloads(text, file: "big.json")
        #expect(vrps == Self.expected(count: count))
        #expect(aspas[64496] == [64497, 64498])
    }

    @Test("a cut guessed inside a string is noticed: the array is read again in one pass, same result")
    func cutInsideString() throws {
        let count = 2_000
        // ROA 1000's `ta` is 6 MB of ", {" — what the cut looks for — so the middle of the array and the
        // first candidate after it lie inside that string.
        let filler = String(repeating: ", {", count: 2_000_000)
        let text = Self.document(count: count, ta: { $0 == 1_000 ? filler : "ripe" })
        let (vrps, _) = try RPKILoader.parsePayloads(text, file: "tricky.json")
        #expect(vrps == Self.expected(count: count))
    }

    @Test("mistakes in the second half carry their index in the whole array and their line")
    func errorsInSecondHalf() {
        let count = 60_000
        do {
            _ = try RPKILoader.parsePayloads(Self.document(count: count, bad: [7, 59_000]), file: "big.json")
            Issue.record("accepted a bad prefix")
        } catch {
            let text = error.errors.map(\.description)
            // Line 1 is the metadata, line 2 opens the array: ROA i is on line i + 3.
            #expect(text == ["big.json:10: roas[7].prefix: 10.0.0.1/33 is not a prefix",
                             "big.json:59003: roas[59000].prefix: 10.0.0.1/33 is not a prefix"])
        }
    }

    @Test("as-rel: hundreds of thousands of links, the table grows, every relation reads back both ways")
    func manyLinks() throws {
        var text = "# serial-2\n"
        for i in 0..<300_000 { text += "\(i + 1)|\(i + 400_001)|\(i % 3 == 0 ? "0" : "-1")|bgp\n" }
        text += "5|400005|0|bgp\n"  // repeats line 6 (i = 4: 4 % 3 != 0, so -1): a contradiction
        do {
            _ = try ASRelationships.parse(text, file: "big.as-rel")
            Issue.record("accepted a contradiction")
        } catch {
            #expect(error.errors.map(\.description) == ["big.as-rel:300002: rel: AS5–AS400005 contradicts line 6"])
        }
        let rel = try ASRelationships.parse(String(text.dropLast("5|400005|0|bgp\n".count)), file: "big.as-rel")
        #expect(rel.count == 300_000)
        for i in stride(from: 0, to: 300_000, by: 997) {
            let a = ASN(i + 1), b = ASN(i + 400_001)
            #expect(rel.relation(a, b) == (i % 3 == 0 ? .peer : .providerOf))
            #expect(rel.relation(b, a) == (i % 3 == 0 ? .peer : .customerOf))
        }
        #expect(rel.relation(1, 2) == nil && rel.relation(7, 7) == nil)
    }

    @Test("data-set files are read whole from disk; a missing file is named with the reason")
    func fileReading() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bgpsentry-large-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("vrps.json").path
        let text = Self.document(count: 1_000)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let data = try RPKILoader.load(path: path)
        #expect(data.vrpCount == 1_000)
        #expect(data.validate(IPPrefix("10.0.5.0/24")!, origin: 64501) == .valid)
        #expect(data.validate(IPPrefix("10.0.5.0/24")!, origin: 64502) == .invalid)
        do {
            _ = try RPKILoader.load(path: dir.appendingPathComponent("missing.json").path)
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.errors.first?.description.contains("No such file or directory") == true)
        }
    }
}
