import BGPWire
import Foundation
import PacketCapture
import Testing

@Suite("Malformed inputs and special captures")
struct MalformedCorpusTests {
    @Test("every malformed pcap decodes to a clean report", .enabled(if: Corpus.directory != nil, "../shared/corpus not found"))
    func malformedPcaps() throws {
        let corpus = try #require(Corpus.directory)
        let files = Corpus.files(in: corpus.appendingPathComponent("pcap-malformed"))
        #expect(files.count >= 10)
        for file in files {
            let start = Date()
            let decoded = try Corpus.decode(file, keepUpdates: true)
            #expect(Date().timeIntervalSince(start) < 5, "\(file.lastPathComponent) took too long")
            #expect(decoded.statistics.frames > 0, "\(file.lastPathComponent)")
        }
    }

    @Test("every raw crasher decodes without crashing", .enabled(if: Corpus.directory != nil, "../shared/corpus not found"))
    func rawCrashers() throws {
        let corpus = try #require(Corpus.directory)
        let folder = corpus.appendingPathComponent("bgp-raw-malformed")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.count >= 5)
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            for context in [DecodingContext(), DecodingContext(fourOctetAS: false),
                            DecodingContext(addPath: AddPathFamilies([.ipv4Unicast, .ipv6Unicast]), extendedMessages: true)] {
                var messages = 0
                let decoder = CaptureDecoder { event in
                    guard case .message(let m) = event else { return }
                    messages += 1
                    _ = try? BGPMessage(framed: m.bytes, context: context)
                    _ = UpdateView(m.bytes, context: context).errors
                }
                bytes.withUnsafeBytes { decoder.processStream($0) }
                // Each file is a single message attempt: at most one message comes out, the rest is counted.
                #expect(messages <= bytes.count / 19 + 1)
            }
        }
    }

    @Test("mid-session capture: AS width inferred from the bytes")
    func midSessionInference() throws {
        let decoded = try Corpus.decode(Corpus.fixtures.appendingPathComponent("as4-midsession.pcap"), keepUpdates: true)
        let session = try #require(decoded.sessions.first { s in s.counters.contains { $0.updates > 0 } })
        let sender = session.counters[0].updates > 0 ? 0 : 1
        #expect(session.contextSources[sender] == .inferred)
        #expect(session.contexts[sender].fourOctetAS)
        #expect(decoded.updates.allSatisfy { $0.errors.isEmpty })
    }

    @Test("2-octet session: AS4_PATH restores 4-octet origins")
    func as2Session() throws {
        let decoded = try Corpus.decode(Corpus.fixtures.appendingPathComponent("as2-session.pcap"), keepUpdates: true)
        let session = try #require(decoded.sessions.first { $0.opens[0] != nil && $0.opens[1] != nil })
        #expect(session.contexts.allSatisfy { !$0.fourOctetAS })
        let origins = Set(decoded.updates.compactMap(\.originASN))
        #expect(origins.contains { $0 > 65535 }, "no 4-octet origin after the AS4_PATH merge")
        #expect(!origins.contains(ASN.asTrans))
    }

    @Test("BGP Role capability and OTC from a real BIRD session")
    func roleAndOTC() throws {
        let decoded = try Corpus.decode(Corpus.fixtures.appendingPathComponent("role-otc.pcap"), keepUpdates: true)
        #expect(decoded.sessions.contains { $0.role(0) == .customer || $0.role(1) == .customer })
        #expect(decoded.updates.filter { $0.attributes.otc != nil }.count == 5)
    }

    @Test("a capture read twice gives identical results")
    func deterministic() throws {
        let url = Corpus.fixtures.appendingPathComponent("as4-session.pcap")
        let a = try Corpus.decode(url, keepUpdates: true)
        let b = try Corpus.decode(url, keepUpdates: true)
        #expect(a.updates == b.updates && a.frames == b.frames)
    }
}
