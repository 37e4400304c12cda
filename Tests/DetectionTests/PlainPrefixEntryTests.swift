import BGPWire
@testable import Detection
import Foundation
import Testing

/// Registry entries in the plain form are read straight from their lines (`PlainPrefixEntry`); every registry
/// must load to the same prefixes, or fail with the same located errors in the same order, as through nodes.
@Suite("Registry plain entries read as the node path reads them")
struct PlainPrefixEntryTests {
    /// The outcome of loading `text`: the entries, or the error messages.
    private func load(_ text: String, plain: Bool) -> Result<[RegisteredPrefix], ConfigErrors> {
        Result { () throws(ConfigErrors) in
            try RegistryLoader.parse(utf8: Array(text.utf8), file: "p.yaml", plainEntries: plain).prefixes
        }
    }

    private func expectSame(_ text: String, _ note: @autoclosure () -> String = "") {
        switch (load(text, plain: true), load(text, plain: false)) {
        case (.success(let a), .success(let b)): #expect(a == b, "\(note())\n\(text)")
        case (.failure(let a), .failure(let b)):
            #expect(a.errors.map(\.description) == b.errors.map(\.description), "\(note())\n\(text)")
        default: Issue.record("one path loaded and the other did not: \(note())\n\(text)")
        }
    }

    /// Entries in the plain form and next to it: what the plain reading takes, and what it must leave.
    static let entries = [
        "- prefix: 192.0.2.0/24\n  origins: [64500, 1]\n  maxLength: 24\n  group: g\n  description: Example one",
        "- origins: [7]\n  prefix: 198.51.100.0/24\n  description: keys in another order",
        "- prefix: 203.0.113.0/25\n  origins: []",
        "- prefix: 203.0.113.128/25\n  origins: [ 5 ,6 ]\n  maxLength: 028",
        "- prefix: 2001:db8::/32\n  origins: [3]\n  maxLength: 48\n  group: v6",
        "- prefix: 2001:DB8:1::/48\n  origins: [3]",
        "- prefix: 10.0.0.0/8\n  origins: [AS64500]",
        "- prefix: \"10.1.0.0/16\"\n  origins: [1]",
        "- prefix: 10.2.0.0/16\n  origins: [1]\n  description: 'quoted text'",
        "- prefix: 10.3.0.0/16\n  origins: [1]\n  description: a: b",
        "- prefix: 10.4.0.0/16  # a comment\n  origins: [1]  # another",
        "- prefix: 10.5.0.0/16\n  origins: [1]\n  upstreams: [9, 8]\n  maxPathLength: 3",
        "- prefix: 10.6.0.0/16\n  origins: [1]\n  partner: 64500",
        "- prefix: 10.7.0.0/16\n  origins: [1]\n  partner: 64511",
        "- prefix: 192.0.2.0/24\n  origins: [2]",
        "- prefix: 10.8.0.1/16\n  origins: [1]",
        "- prefix: 10.9.0.0/33\n  origins: [1]",
        "- prefix: 10.10.0.0/16\n  origins: [1]\n  maxLength: 12",
        "- prefix: 10.11.0.0/16\n  origins: [1]\n  maxLength: 33",
        "- prefix: 10.12.0.0/16\n  origins: [1]\n  maxLength: 4294967296",
        "- prefix: 10.13.0.0/16\n  origins: [1]\n  colour: red",
        "- prefix: 10.14.0.0/16\n  origins: [1]\n  origins: [2]",
        "- prefix: 10.15.0.0/16\n  origins: [1, 4294967296]",
        "- prefix: 10.16.0.0/16\n  origins: [-1]",
        "- prefix: 10.17.0.0/16",
        "- prefix: 10.18.0.0/16\n  origins: 1",
        "- prefix: 10.19.0.0/16\n  origins: [1]\n  group:",
        "- prefix: 10.20.0.0/16\n  origins:\n    - 1\n    - 2",
        "- prefix: 10.21.0.0/16\n  origins: [1]\n  maxLength: +24",
        "- prefix: 10.22.0.0/16\n  origins: [1]\n  group: 5",
        "-   prefix: 10.23.0.0/16\n    origins: [1]",
    ]

    static func registry(_ entries: [String], partnersFirst: Bool) -> String {
        let partners = "partners:\n  - asn: 64500\n    name: P\n"
        let list = "prefixes:\n" + entries.map { entry in
            entry.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
        return "version: 1\n" + (partnersFirst ? partners + list : list + partners)
    }

    @Test("each entry alone, and all together, load the same either way", arguments: [true, false])
    func sameOutcome(partnersFirst: Bool) {
        for entry in Self.entries {
            expectSame(Self.registry([entry], partnersFirst: partnersFirst), entry)
        }
        expectSame(Self.registry(Self.entries, partnersFirst: partnersFirst), "all entries")
        // Only valid ones: the file loads (the plain ones are taken straight, the others through nodes).
        let valid = Array(Self.entries[0..<6]) + [Self.entries[6], Self.entries[7], Self.entries[8], Self.entries[9],
                                                    Self.entries[10], Self.entries[11], Self.entries[12]]
        expectSame(Self.registry(valid, partnersFirst: partnersFirst), "valid entries")
        #expect((try? load(Self.registry(valid, partnersFirst: partnersFirst), plain: true).get())?.count == 13)
    }

    @Test("the plain reading takes the plain entries and leaves the others")
    func takesPlainOnly() {
        var taken: [Int] = []
        for (i, entry) in Self.entries.enumerated() {
            let bytes = Array(entry.utf8)
            guard let lines = FastYAML.split(bytes), let dash = lines.first else { continue }
            var start = dash.start + 1
            while start < dash.end && bytes[start] == FastYAML.space { start += 1 }
            let first = FastYAML.Line(number: dash.number, indent: start - dash.start, start: start, end: dash.end)
            if PlainPrefixEntry(bytes, first: first, more: lines.dropFirst()) != nil { taken.append(i) }
        }
        // The first six are plain; so are a quoted description, a colon in a description, a comment after a
        // value, a duplicate prefix (the list's reader leaves duplicates to the node path), a number as a group
        // and a prefix spaced after its dash.
        #expect(taken == [0, 1, 2, 3, 4, 5, 8, 9, 10, 14, 29, 30], "\(taken)")
    }

    @Test("the shipped example and a generated 2,000-entry registry load the same either way")
    func largeRegistries() throws {
        let example = try String(contentsOf: RegistryTests.packageRoot.appendingPathComponent("config/prefixes.yaml"),
                                 encoding: .utf8)
        expectSame(example, "config/prefixes.yaml")
        var lines: [String] = []
        for i in 0..<2_000 {
            let v4 = i % 5 != 0
            let prefix = v4 ? "\(10 + i / 256).\(i % 256).\(i % 3 * 64).0/\(18 + i % 7)" : "2001:db8:\(i)::/48"
            lines.append("- prefix: \(prefix)\n  origins: [\(64496 + i % 16)\(i % 4 == 0 ? ", 8075" : "")]"
                         + (i % 3 == 0 ? "\n  maxLength: \(v4 ? 24 : 64)" : "") + "\n  group: g\(i % 10)")
        }
        let text = Self.registry(lines, partnersFirst: true)
        expectSame(text, "generated")
        #expect((try? load(text, plain: true).get())?.count == 2_000)
    }
}
