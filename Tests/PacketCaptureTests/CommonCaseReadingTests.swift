@testable import BGPWire
import Foundation
import PacketCapture
import Testing

/// `UpdateView` reads a common UPDATE in one pass (`readCommonCase`) and everything else carefully; the two must
/// agree on every message: the fast reading must accept only what the careful one finds no error in, and set the
/// same fields. Checked on every UPDATE of the real captures (malformed ones included), on the raw crashers, and
/// on single-byte mutations and truncations of real UPDATEs, which walk every boundary of the fast reading.
@Suite("UpdateView common-case reading")
struct CommonCaseReadingTests {
    /// Compares the two readings of `bytes`; returns whether the common-case reading took it.
    @discardableResult
    private func compareReadings(_ bytes: UnsafeRawBufferPointer, _ context: DecodingContext,
                                 _ label: @autoclosure () -> String) -> Bool {
        let view = UpdateView(bytes, context: context)
        let careful = UpdateView(carefully: bytes, context: context)
        #expect(view.hasSameReading(as: careful), "\(label()): readings differ")
        var probe = UpdateView(carefully: bytes, context: context)
        let common = probe.readCommonCase()
        if common {
            #expect(careful.errors.isEmpty, "\(label()): common reading accepted \(careful.errors)")
        }
        return common
    }

    /// Every UPDATE the capture's decoder hands out, with its session's decoding context.
    private func updates(in capture: URL) throws -> [(bytes: [UInt8], context: DecodingContext)] {
        var found: [(bytes: [UInt8], context: DecodingContext)] = []
        let decoder = CaptureDecoder(bgpPorts: [179, 1179]) { event in
            guard case .message(let m) = event, m.type == .update else { return }
            found.append((Array(m.bytes), m.context))
        }
        let source = try PcapSource.openOffline(capture.path)
        let linkType = source.linkType
        while case .frame = try source.next({ decoder.process($0, linkType: linkType) }) {}
        decoder.finish()
        return found
    }

    @Test("the two readings agree on every UPDATE of the real captures",
          .enabled(if: Corpus.directory != nil, "../shared/corpus not found"))
    func corpusUpdates() throws {
        let corpus = try #require(Corpus.directory)
        var compared = 0
        for capture in Corpus.files(in: corpus.appendingPathComponent("pcap"))
            + Corpus.files(in: corpus.appendingPathComponent("pcap-malformed")) {
            for (bytes, context) in try updates(in: capture) {
                compared += 1
                bytes.withUnsafeBytes { _ = compareReadings($0, context, capture.lastPathComponent) }
            }
        }
        #expect(compared >= 500, "compared only \(compared) UPDATEs")
    }

    @Test("the two readings agree on our BIRD sessions, which are mostly common UPDATEs")
    func fixtureUpdates() throws {
        var compared = 0, common = 0
        for capture in Corpus.files(in: Corpus.fixtures, suffixes: [".pcap"]) {
            for (bytes, context) in try updates(in: capture) {
                compared += 1
                if bytes.withUnsafeBytes({ compareReadings($0, context, capture.lastPathComponent) }) { common += 1 }
            }
        }
        #expect(compared >= 100, "compared only \(compared) UPDATEs")
        // BIRD's IPv4 table UPDATEs are common ones (the IPv6 ones carry MP_REACH and are read carefully).
        #expect(common * 2 > compared, "common-case reading took \(common) of \(compared)")
    }

    @Test("the two readings agree on the raw crashers",
          .enabled(if: Corpus.directory != nil, "../shared/corpus not found"))
    func rawCrashers() throws {
        let folder = try #require(Corpus.directory).appendingPathComponent("bgp-raw-malformed")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            for context in [DecodingContext(), DecodingContext(fourOctetAS: false),
                            DecodingContext(addPath: AddPathFamilies([.ipv4Unicast]))] {
                bytes.withUnsafeBytes { _ = compareReadings($0, context, name) }
            }
        }
    }

    /// The usual opening (ORIGIN, AS_PATH, NEXT_HOP with plain flags) is read apart from the loop over the other
    /// attributes: an attribute of it repeated later, malformed, sent with other flags or in another order must
    /// come out as the careful reading has it.
    @Test("the two readings agree around the usual opening attributes", arguments: [true, false])
    func openingAttributes(fourOctet: Bool) {
        let origin: [UInt8] = [0x40, 1, 1, 0], nextHop: [UInt8] = [0x40, 3, 4, 192, 0, 2, 1]
        let asPath: [UInt8] = fourOctet ? [0x40, 2, 10, 2, 2, 0, 0, 0xFD, 0xE8, 0, 0, 0x1F, 0x8B]
            : [0x40, 2, 6, 2, 2, 0xFD, 0xE8, 0x1F, 0x8B]
        let med: [UInt8] = [0x80, 4, 4, 0, 0, 0, 10]
        let cases: [(name: String, attributes: [UInt8], common: Bool?)] = [
            ("usual", origin + asPath + nextHop, true),
            ("usual + MED", origin + asPath + nextHop + med, true),
            ("MED inside", origin + asPath + med + nextHop, true),
            ("other order", origin + nextHop + asPath, true),
            ("AS_PATH extended length", origin + [0x50, 2, 0, asPath[2]] + asPath[3...] + nextHop, true),
            ("ORIGIN repeated", origin + asPath + nextHop + origin, false),
            ("AS_PATH repeated", origin + asPath + nextHop + asPath, false),
            ("NEXT_HOP repeated", origin + asPath + nextHop + nextHop, false),
            ("ORIGIN 3", [0x40, 1, 1, 3] + asPath + nextHop, false),
            ("ORIGIN optional", [0xC0, 1, 1, 0] + asPath + nextHop, false),
            ("AS_PATH overrun", origin + [0x40, 2, 60] + asPath[3...] + nextHop, false),
            ("AS_PATH bad segment", origin + [0x40, 2, asPath[2], 7] + asPath[4...] + nextHop, false),
            ("NEXT_HOP of 5", origin + asPath + [0x40, 3, 5, 192, 0, 2, 1, 0], false),
            ("NEXT_HOP missing", origin + asPath, false),
        ]
        let context = DecodingContext(fourOctetAS: fourOctet)
        for c in cases {
            let nlri: [UInt8] = [24, 10, 0, 0]
            let length = MessageHeader.length + 4 + c.attributes.count + nlri.count
            let bytes = [UInt8](repeating: 0xFF, count: 16) + [UInt8(length >> 8), UInt8(length & 0xFF), 2, 0, 0]
                + [UInt8(c.attributes.count >> 8), UInt8(c.attributes.count & 0xFF)] + c.attributes + nlri
            let common = bytes.withUnsafeBytes { compareReadings($0, context, c.name) }
            if let expected = c.common { #expect(common == expected, "\(c.name)") }
            let view = bytes.withUnsafeBytes { UpdateView($0, context: context).hasErrors }
            #expect(view == (c.common == false), "\(c.name): errors \(view)")
        }
    }

    @Test("the two readings agree on mutated and truncated UPDATEs")
    func mutatedUpdates() throws {
        let fixtures = Corpus.files(in: Corpus.fixtures, suffixes: [".pcap"])
        var samples: [(bytes: [UInt8], context: DecodingContext)] = []
        for capture in fixtures {
            // A few UPDATEs of each session, the first ones (End-of-RIB, first routes) and some later ones.
            let all = try updates(in: capture)
            samples += all.prefix(2) + stride(from: 2, to: all.count, by: max(1, all.count / 3)).map { all[$0] }
        }
        #expect(samples.count >= 8)
        var mutants = 0, commonMutants = 0
        for (original, context) in samples {
            for context in [context, DecodingContext(fourOctetAS: !context.fourOctetAS),
                            DecodingContext(addPath: AddPathFamilies([.ipv4Unicast]))] {
                for position in MessageHeader.length..<original.count {
                    for change: UInt8 in [0x01, 0x40, 0xFF] {
                        var bytes = original
                        bytes[position] ^= change
                        mutants += 1
                        if bytes.withUnsafeBytes({ compareReadings($0, context, "byte \(position) ^ \(change)") }) {
                            commonMutants += 1
                        }
                    }
                }
                for length in MessageHeader.length..<original.count {
                    original.withUnsafeBytes { raw in
                        let prefix = UnsafeRawBufferPointer(rebasing: raw[..<length])
                        _ = compareReadings(prefix, context, "first \(length)")
                    }
                }
            }
        }
        // Both kinds occur: mutants the fast reading still takes (a changed prefix, ASN or MED) and ones it
        // leaves to the careful reading.
        #expect(commonMutants > 0 && commonMutants < mutants, "\(commonMutants) of \(mutants) taken")
    }
}
