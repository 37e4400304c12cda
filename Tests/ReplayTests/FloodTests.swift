import Foundation
import Testing

/// A capture that mixes the demo's real BGP session with a flood of fake TCP/179 connections: 100,000
/// one-packet connections and 10,000 connections that each leave a hole and then send data past it.
/// Reassembly must stay within its configured bounds, and the real session must still be decoded.
@Suite("Flood of fake TCP/179 connections", .enabled(if: CLI.binary != nil, "bgpsentry binary not built"))
struct FloodTests {
    static let onePacketFlows = 100_000
    static let gapFlows = 10_000
    static let segmentsPastGap = 8
    static let segmentBytes = 1_000

    @Test("bounded memory, the real session's alerts unchanged")
    func flood() throws {
        let demo = try Data(contentsOf: CLI.packageRoot.appendingPathComponent(ReplayCommandTests.demo))
        let merged = try FloodCapture.merge(demo: demo)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bgpsentry-flood-\(getpid()).pcap")
        try merged.write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }

        let limits = ["--max-flows", "20000", "--max-reassembly-bytes", String(16 << 20)]
        let alone = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "jsonl", ReplayCommandTests.demo] + limits)
        let flooded = try CLI.run(["replay", "--registry", "config/prefixes.yaml", "--format", "jsonl", path.path] + limits)
        #expect(flooded.status == 0, "\(flooded.stderr)")
        // The real session's incidents are all found, in the same order, as without the flood.
        let expected = try CLI.events(alone.stdout)
        #expect(!expected.isEmpty)
        #expect(try CLI.events(flooded.stdout) == expected)
        // The bounds were hit and said so.
        #expect(flooded.stderr.contains("bounds hit: flows evicted"), "\(flooded.stderr)")
        #expect(flooded.stderr.contains("#1 198.18.0.1:179 AS4200000001 [1073 UPDATEs"), "\(flooded.stderr)")
        // Memory: the flood offers more held data than the cap; the peak stays near the run without it.
        let offered = Self.gapFlows * Self.segmentsPastGap * Self.segmentBytes
        let baseline = try #require(Self.peakMegabytes(alone.stderr))
        let peak = try #require(Self.peakMegabytes(flooded.stderr))
        #expect(peak - baseline < (offered >> 20), "peak \(peak) MB vs \(baseline) MB without the flood; \(offered >> 20) MB offered")
        #expect(peak - baseline < 64, "peak \(peak) MB vs \(baseline) MB without the flood")
    }

    static func peakMegabytes(_ summary: String) -> Int? {
        guard let range = summary.range(of: "peak memory ") else { return nil }
        return Int(summary[range.upperBound...].prefix { $0.isNumber })
    }
}

/// Writes classic pcap (Ethernet) with the flood inserted after the first third of the demo's records,
/// all flood frames within a fraction of a second of capture time (so no hole times out).
enum FloodCapture {
    static func merge(demo: Data) throws -> Data {
        let bytes = [UInt8](demo)
        guard bytes.count >= 24, bytes[0] == 0xD4, bytes[20] == 1 else { throw CocoaError(.fileReadCorruptFile) }
        var records: [(seconds: UInt32, micros: UInt32, frame: ArraySlice<UInt8>)] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let header = bytes[offset..<(offset + 16)]
            let seconds = le32(header, 0), micros = le32(header, 4), length = Int(le32(header, 8))
            guard offset + 16 + length <= bytes.count else { break }
            records.append((seconds, micros, bytes[(offset + 16)..<(offset + 16 + length)]))
            offset += 16 + length
        }
        var out = Array(bytes[0..<24])
        let insertAt = records.count / 3
        for (i, record) in records.enumerated() {
            append(&out, record.seconds, record.micros, record.frame)
            if i == insertAt { appendFlood(&out, seconds: record.seconds) }
        }
        return Data(out)
    }

    static func appendFlood(_ out: inout [UInt8], seconds: UInt32) {
        var micros: UInt32 = 0
        func next() -> UInt32 {
            micros = min(micros + 1, 999_999)
            return micros
        }
        let garbage = [UInt8](repeating: 0x5A, count: FloodTests.segmentBytes)
        for i in 0..<FloodTests.onePacketFlows {
            let frame = tcpFrame(source: 0xC612_8000 | UInt32(i & 0x7FFF), sourcePort: UInt16(1024 + i / 0x8000), sequence: UInt32(i),
                                 payload: garbage[0..<40])
            append(&out, seconds, next(), frame[...])
        }
        for i in 0..<FloodTests.gapFlows {
            let source = 0xC613_0000 | UInt32(i)
            var sequence = UInt32(i) << 8
            append(&out, seconds, next(), tcpFrame(source: source, sourcePort: 40_000, sequence: sequence, payload: garbage[0..<100])[...])
            sequence &+= 100 &+ 65_536  // the hole
            for _ in 0..<FloodTests.segmentsPastGap {
                append(&out, seconds, next(), tcpFrame(source: source, sourcePort: 40_000, sequence: sequence, payload: garbage[...])[...])
                sequence &+= UInt32(FloodTests.segmentBytes)
            }
        }
    }

    /// Ethernet + IPv4 (198.18.128.0/17 and 198.19.0.0/16 of RFC 2544's benchmarking range; the demo session
    /// uses 198.18.0.1 and .2) + TCP to 192.0.2.1:179, ACK|PSH.
    static func tcpFrame(source: UInt32, sourcePort: UInt16, sequence: UInt32, payload: ArraySlice<UInt8>) -> [UInt8] {
        var f: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]
        let total = 40 + payload.count
        f += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0, 0, 64, 6, 0, 0]
        f += be32(source) + [192, 0, 2, 1]
        f += [UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF), 0, 179] + be32(sequence) + [0, 0, 0, 0, 0x50, 0x18, 0xFF, 0xFF, 0, 0, 0, 0]
        return f + payload
    }

    static func append(_ out: inout [UInt8], _ seconds: UInt32, _ micros: UInt32, _ frame: ArraySlice<UInt8>) {
        out += le(seconds) + le(micros) + le(UInt32(frame.count)) + le(UInt32(frame.count))
        out += frame
    }

    static func le32(_ b: ArraySlice<UInt8>, _ at: Int) -> UInt32 {
        let i = b.startIndex + at
        return UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func le(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
}
