import BGPWire
import Foundation
import PacketCapture
import Testing

/// Every real capture in `../shared/corpus/pcap` (and our own bgpgen fixtures) must decode to the same
/// message types and the same announced/withdrawn prefixes per frame as the reference dissector (tshark 4.0).
@Suite("Corpus vs tshark ground truth")
struct CorpusGroundTruthTests {
    /// Captures where tshark itself is wrong or silent, and how we compare there instead (see INVENTORY.md).
    static let exceptions: [String: String] = [
        // Crafted single packet: two MP_REACH_NLRI and two MP_UNREACH_NLRI attributes. RFC 7606 §3.g makes a
        // repeated MP attribute a session reset, so we decode the first of each and report the error; tshark
        // prints the prefixes of both. Message types and the IPv4 prefixes of the first ones still match.
        "bgp-addpath.pcap": "duplicate-mp",
    ]

    @Test("decoded frames match tshark", .enabled(if: Corpus.directory != nil, "../shared/corpus not found: corpus tests skipped"))
    func corpusMatchesGroundTruth() throws {
        let corpus = try #require(Corpus.directory)
        var compared = 0
        for capture in Corpus.files(in: corpus.appendingPathComponent("pcap")) {
            let truth = corpus.appendingPathComponent("tshark-groundtruth/\(capture.lastPathComponent).tsv")
            try compare(capture, truth: truth)
            compared += 1
        }
        #expect(compared >= 60, "expected the whole corpus, compared \(compared) captures")
    }

    @Test("bgpgen fixtures match tshark")
    func fixturesMatchGroundTruth() throws {
        let captures = Corpus.files(in: Corpus.fixtures, suffixes: [".pcap"])
        #expect(captures.count >= 3)
        for capture in captures {
            try compare(capture, truth: URL(fileURLWithPath: capture.path + ".tsv"))
        }
    }

    private func compare(_ capture: URL, truth truthURL: URL) throws {
        let name = capture.lastPathComponent
        let truth = try Corpus.groundTruth(truthURL)
        let decoded = try Corpus.decode(capture)
        let exception = Self.exceptions[name]
        var mismatches: [String] = []
        for frame in Set(truth.keys).union(decoded.frames.keys).sorted() {
            let expected = truth[frame] ?? Corpus.FrameObservation()
            let actual = decoded.frames[frame] ?? Corpus.FrameObservation()
            if expected.types != actual.types {
                mismatches.append("frame \(frame): types tshark \(expected.types) ours \(actual.types)")
                continue
            }
            if exception == "duplicate-mp" {
                let v4 = { (list: [String]) in list.filter { !$0.contains(":") }.sorted() }
                if !Set(v4(actual.announced)).isSubset(of: Set(v4(expected.announced))) {
                    mismatches.append("frame \(frame): announced ⊄ tshark")
                }
                continue
            }
            if expected.announced.sorted() != actual.announced.sorted() {
                mismatches.append("frame \(frame): announced tshark \(expected.announced.sorted()) ours \(actual.announced.sorted())")
            }
            if expected.withdrawn.sorted() != actual.withdrawn.sorted() {
                mismatches.append("frame \(frame): withdrawn tshark \(expected.withdrawn.sorted()) ours \(actual.withdrawn.sorted())")
            }
        }
        #expect(mismatches.isEmpty, "\(name): \(mismatches.prefix(5).joined(separator: "; "))")
    }
}
