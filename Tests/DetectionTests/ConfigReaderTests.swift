@testable import Detection
import Foundation
import Testing
import Yams

/// The fast block-YAML reader must agree with Yams wherever it answers, and hand everything else to Yams.
@Suite("Configuration reader (fast subset vs Yams)")
struct ConfigReaderTests {
    /// A canonical text form of a node tree, lines included.
    static func render(_ node: ConfigNode?) -> String {
        guard let node else { return "nil" }
        switch node {
        case .scalar(let s, let l): return "\(l):\"\(s)\""
        case .list(let items, let l): return "\(l):[" + items.map(render).joined(separator: ",") + "]"
        case .map(let entries, let l):
            return "\(l):{" + entries.map { "\($0.keyLine):\($0.key)=\(render($0.value))" }.joined(separator: ",") + "}"
        }
    }

    static func viaYams(_ text: String) throws -> ConfigNode? {
        try Yams.compose(yaml: text, .basic).map { ConfigNode(yamsNode: $0) }
    }

    static let samples: [String] = [
        "a: 1\nb: [1, 2, 3]\nc:\n  d: x\n  e: 'quoted'\n",
        "prefixes:\n  - prefix: 10.0.0.0/8\n    origins: [1]\n    maxLength: 24\n  - prefix: 2001:db8::/32\n    origins: []\n",
        "# comment\nasns: {8075: Microsoft, 64500: \"Example Telecom\"}\nlist:\n- a\n- b  # trailing comment\n",
        "---\nnested:\n  - x\n  - y: 1\n    z: 2\n",
        "empty:\nafter: 1\n",
        "a: 1\r\nb: 'x # y'  # comment\r\n  # indented comment line\r\nc: [1, 2]",
    ]

    @Test("agrees with Yams on the subset", arguments: samples)
    func agreesWithYams(text: String) throws {
        let fast = FastYAML.parse(text)
        #expect(fast != nil, "the fast reader should handle this sample itself")
        let yams = try Self.viaYams(text)
        #expect(Self.render(fast) == Self.render(yams))
    }

    @Test("the shipped registry reads the same both ways")
    func shippedRegistry() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/prefixes.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(FastYAML.parse(text) != nil)
        #expect(Self.render(FastYAML.parse(text)) == Self.render(try Self.viaYams(text)))
    }

    @Test("constructs outside the subset still load (through Yams)", arguments: [
        "a: &x 1\nb: *x\n",
        "text: |\n  line one\n  line two\n",
        "flow:\n  [1,\n   2]\n",
        "k: \"esc\\\"aped\"\n",
        "nested:\n  - - x\n    - y\n",
    ])
    func fallback(text: String) throws {
        #expect(FastYAML.parse(text) == nil, "outside the subset: must be left to Yams")
        #expect(try ConfigNode.parse(text) != nil)
    }

    @Test("a streamed list is announced with the number of items it hands over", arguments: [
        "version: 1\nprefixes:\n  - prefix: 10.0.0.0/8\n    origins: [1]\n  # a comment\n  - prefix: 10.1.0.0/16\n"
            + "    maxLength: 24\n  - 10.2.0.0/16\nafter: 1\n",
        "prefixes:\n- prefix: 10.0.0.0/8\n  origins: [1]\n- prefix: 10.1.0.0/16\nafter:\n  - not: counted\n",
        "prefixes:\n  -\n    prefix: 10.0.0.0/8\n  - prefix: 10.1.0.0/16\n",
    ])
    func streamedItemCount(text: String) throws {
        var announced: [Int] = []
        var handedOver = 0
        let stream = FastYAML.ListStream(key: "prefixes", willStart: { _, count in announced.append(count) },
                                         item: { _ in handedOver += 1 })
        #expect(FastYAML.parse(utf8: Array(text.utf8), streaming: stream) != nil)
        #expect(announced == [handedOver])
        #expect(handedOver > 1)
    }

    /// The line split reads plain lines eight bytes at a time and the others byte by byte; both must find what a
    /// byte-by-byte reading of every line finds (`referenceSplit`), wherever a quote, `#`, tab or trailing blank
    /// falls against the eight-byte words.
    @Test("the line split agrees with a byte-by-byte reading")
    func lineSplit() {
        var rng = TrieTests.Random(state: 7)
        let alphabet = Array("ab1:-[ ]  \"'#\t\r".utf8)
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 5) {
                for _ in 0..<Int(rng.next() % 30) { bytes.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
                bytes.append(0x0A)
            }
            if rng.next() % 2 == 0 { bytes.removeLast(bytes.isEmpty ? 0 : 1) }
            let fast = FastYAML.split(bytes).map { $0.map { [$0.number, $0.indent, $0.start, $0.end] } }
            #expect(fast == Self.referenceSplit(bytes), "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }

    /// The reading `FastYAML.split` had before it read plain lines by words: every byte in turn.
    static func referenceSplit(_ b: [UInt8]) -> [[Int]]? {
        var lines: [[Int]] = []
        var number = 0, i = 0
        while i < b.count {
            number += 1
            let lineEnd = b[i...].firstIndex(of: 0x0A) ?? b.count
            var start = i
            while start < lineEnd && b[start] == 0x20 { start += 1 }
            var end = start, quote: UInt8 = 0, j = start
            while j < lineEnd {
                let c = b[j]
                if quote != 0 {
                    if c == quote { quote = 0 }
                } else if c == 0x22 || c == 0x27 {
                    quote = c
                } else if c == 0x23 && (j == start || b[j - 1] == 0x20) {
                    break
                } else if c == 0x09 {
                    return nil
                }
                j += 1
                if c != 0x20 && c != 0x0D { end = j }
            }
            if quote != 0 { return nil }
            if end > start {
                let isMarker = b[start..<end].elementsEqual("---".utf8)
                if b[start] == 0x25 { return nil }
                if !(isMarker && lines.isEmpty) {
                    if isMarker { return nil }
                    lines.append([number, start - i, start, end])
                }
            }
            i = lineEnd + 1
        }
        return lines
    }

    @Test("arbitrary bytes never crash the reader")
    func robustness() {
        var state: UInt64 = 42
        let alphabet = Array(" -:#[]{},'\"\n\tab1&*|>".utf8)
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<(Int(state % 60)) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            _ = FastYAML.parse(String(decoding: bytes, as: UTF8.self))
        }
    }
}

@Suite("Reading data-set files")
struct FileReadTests {
    /// Sizes around the two-thread threshold (halves of odd length included) and a small one.
    @Test("readBytes returns the file byte for byte", arguments: [1000, ConfigNode.parallelReadThreshold - 1,
                                                              ConfigNode.parallelReadThreshold, ConfigNode.parallelReadThreshold + 12_345])
    func wholeFile(size: Int) throws {
        var rng = TrieTests.Random(state: UInt64(size))
        var content = [UInt8](repeating: 0, count: size)
        for i in content.indices { content[i] = UInt8(truncatingIfNeeded: rng.next()) }
        let path = NSTemporaryDirectory() + "bgpsentry-read-\(size)-\(getpid()).bin"
        defer { unlink(path) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        let read = try ConfigNode.readBytes(path: path)
        #expect(read.count == size)
        #expect(read == content)
    }

    /// `isUTF8` steps over ASCII by words and validates the runs between: it must agree with the standard
    /// validator over the whole text, wherever a sequence (valid, truncated, overlong, stray) falls against the words.
    @Test("the UTF-8 check agrees with the standard validator")
    func utf8Runs() {
        var rng = TrieTests.Random(state: 11)
        let pieces: [[UInt8]] = [
            Array("é".utf8), Array("—".utf8), Array("🛰".utf8), [0xC3], [0x80], [0xFF], [0xC0, 0xAF],
            [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x94],
        ]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 4) {
                for _ in 0..<Int(rng.next() % 20) { bytes.append(UInt8(0x20 + rng.next() % 0x5F)) }
                bytes += pieces[Int(rng.next() % UInt64(rng.next() % 3 == 0 ? pieces.count : 3))]
            }
            let standard = (try? UTF8Span(validating: bytes.span)) != nil
            #expect(ConfigNode.isUTF8(bytes) == standard, "\(bytes)")
        }
    }

    /// `readUTF8` checks the bytes in place: ASCII, multi-byte text and every kind of invalid sequence.
    @Test("readUTF8 accepts UTF-8 text and names the file of anything else", arguments: [
        (Array("prefixes: [] # plain ASCII\n".utf8), true),
        (Array("description: Réseau — 東京 🛰\n".utf8), true),
        ([0x61, 0xFF, 0x62], false),            // never valid
        ([0x61, 0xC3], false),                  // truncated two-byte sequence at the end
        ([0xC0, 0xAF], false),                  // overlong '/'
        ([0xED, 0xA0, 0x80], false),            // UTF-16 surrogate
        ([0xF4, 0x90, 0x80, 0x80], false),      // beyond U+10FFFF
        ([0x80], false),                        // stray continuation byte
    ])
    func utf8Check(bytes: [UInt8], valid: Bool) throws {
        let path = NSTemporaryDirectory() + "bgpsentry-utf8-\(getpid())-\(bytes.count)-\(bytes.first ?? 0).yaml"
        defer { unlink(path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if valid {
            #expect(try ConfigNode.readUTF8(path: path) == bytes)
        } else {
            let error = #expect(throws: ConfigErrors.self) { try ConfigNode.readUTF8(path: path) }
            #expect(error?.description == "\(path): not UTF-8 text")
        }
    }
}
