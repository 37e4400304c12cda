import Detection
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import Daemon

@Suite("daemon building blocks")
struct DaemonUnitTests {
    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16) ?? 0) }
        return out
    }

    @Test("secret files: refused when everyone may read them, trimmed, never empty; compared in constant time")
    func secretFiles() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bgpsentry-secret-\(getpid())").path
        defer { unlink(path) }
        try "s3cret\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        #expect(throws: DaemonError.self) { try SecretFile.read(path, field: "secretFile") }
        do throws(DaemonError) {
            _ = try SecretFile.read(path, field: "secretFile")
        } catch {
            #expect(error.description.contains("readable by everyone") && !error.description.contains("s3cret"))
        }
        chmod(path, 0o640)
        #expect(try SecretFile.read(path, field: "secretFile") == Array("s3cret".utf8))
        try "\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        #expect(throws: DaemonError.self) { try SecretFile.read(path, field: "http.bearerTokenFile") }
        #expect(SecretFile.equal(Array("Bearer abc".utf8), Array("Bearer abc".utf8)))
        #expect(!SecretFile.equal(Array("Bearer abd".utf8), Array("Bearer abc".utf8)))
        #expect(!SecretFile.equal(Array("Bearer ab".utf8), Array("Bearer abc".utf8)))
    }

    @Test("SHA-256 and HMAC-SHA256 match FIPS 180-4 and RFC 4231 test vectors")
    func hmacVectors() {
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // RFC 4231 test case 1 and 2.
        #expect(SHA256.hex(SHA256.hmac(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
                    == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(SHA256.hex(SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                    == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // RFC 4231 test case 6: a key longer than the block size is hashed first.
        #expect(SHA256.hex(SHA256.hmac(key: [UInt8](repeating: 0xaa, count: 131),
                                       message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                    == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test("the example configuration is valid and read as written")
    func exampleConfig() throws {
        let path = CLI.packageRoot.appendingPathComponent("config/bgpsentry.yaml").path
        let c = try DaemonConfigLoader.load(path: path)
        #expect(c.interfaces.map(\.name) == ["eth1"])
        #expect(c.interfaces.first?.filter == "tcp port 179")
        #expect(c.registry?.hasSuffix("config/prefixes.yaml") == true)
        #expect(c.http.host == "127.0.0.1" && c.http.port == 9179)
        #expect(c.sinks.map(\.kind) == [.jsonl, .syslog])
        #expect(c.sinks[1].facility == 3 && c.sinks[1].filter.minimumSeverity == .major)
        #expect(c.localASNs == [8075])
    }

    @Test("configuration mistakes are reported with line and field")
    func configErrors() {
        let text = """
            version: 1
            sources:
              interfaces:
                - name: eth1
                  snaplen: 10
            http:
              listen: localhost
            sinks:
              - type: webhook
                url: ftp://x
              - type: bogus
              - name: a
                type: syslog
                url: udp://127.0.0.1:514
                facility: local9
              - name: a
                type: jsonl
                path: "-"
            neighbors:
              - address: 10.0.0.300
            """
        do {
            _ = try DaemonConfigLoader.parse(text, file: "t.yaml", relativeTo: "/tmp")
            Issue.record("accepted a broken file")
        } catch {
            let lines = error.errors.map { "\($0.line) \($0.field)" }
            #expect(lines.contains("5 sources.interfaces[0].snaplen"))
            #expect(lines.contains("7 http.listen"))
            #expect(lines.contains("10 sinks[0].url"))
            #expect(lines.contains("11 sinks[1].type"))
            #expect(lines.contains("15 sinks[2].facility"))
            #expect(lines.contains("16 sinks[3].name"))
            #expect(lines.contains("20 neighbors[0].address"))
        }
    }

    @Test("sink filters: severity floor, types and groups")
    func filters() {
        var f = SinkFilter()
        f.minimumSeverity = .major
        #expect(!f.accepts(severity: .warning, type: .moreSpecific, group: nil))
        #expect(f.accepts(severity: .critical, type: .originHijack, group: nil))
        f.groups = ["microsoft"]
        #expect(!f.accepts(severity: .critical, type: .originHijack, group: nil))
        #expect(f.accepts(severity: .critical, type: .originHijack, group: "microsoft"))
        f.types = [.routeLeak]
        #expect(!f.accepts(severity: .critical, type: .originHijack, group: "microsoft"))
    }

    static let firing = #"{"schema":"bgpsentry.alert/v1","id":"5506edc1b7615d49","status":"firing","type":"origin-hijack","severity":"critical","prefix":"13.107.136.0/22","group":"microsoft","offenderASN":64666,"session":{"neighbor":"198.18.0.1"},"firstSeen":"2026-11-25T12:35:18.339Z","summary":"13.107.136.0/22 originated by AS64666"}"#

    @Test("syslog messages follow RFC 5424 (PRI, version, MSGID, structured data, BOM)")
    func syslogFormat() throws {
        let e = try #require(DeliveryEvent(sequence: 7, json: Array(Self.firing.utf8)))
        let m = SyslogSink.message(e, facility: 3, appName: "bgpsentry", hostname: "h", time: Date(timeIntervalSince1970: 0))
        let text = String(decoding: m, as: UTF8.self)
        #expect(text.hasPrefix("<26>1 1970-01-01T00:00:00.000000Z h bgpsentry "))  // daemon(3)*8 + crit(2)
        #expect(text.contains(" origin-hijack [bgpsentry@32473 id=\"5506edc1b7615d49\" status=\"firing\" severity=\"critical\" prefix=\"13.107.136.0/22\"] \u{FEFF}FIRING critical origin-hijack"))
        #expect(SyslogAddress("udp://127.0.0.1:514") == .udp(host: "127.0.0.1", port: 514))
        #expect(SyslogAddress("unix:///dev/log") == .unix(path: "/dev/log"))
        #expect(SyslogAddress("http://x") == nil)
    }

    @Test("Alertmanager v2 body carries the identifying labels; resolved adds endsAt")
    func alertmanagerBody() throws {
        let e = try #require(DeliveryEvent(sequence: 1, json: Array(Self.firing.utf8)))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(AlertmanagerSink.body(e, generatorURL: "http://x/alerts"))) as? [[String: Any]])
        let labels = try #require(body.first?["labels"] as? [String: String])
        #expect(labels == ["alertname": "BGPSentryOriginHijack", "type": "origin-hijack", "severity": "critical",
                           "prefix": "13.107.136.0/22", "group": "microsoft", "offender": "AS64666"])
        #expect(body.first?["startsAt"] as? String == "2026-11-25T12:35:18.339Z")
        #expect(body.first?["endsAt"] == nil)
        let resolved = try #require(OpenAlertState.resolvedJSON(from: Array(Self.firing.utf8), reason: "withdrawn", resolvedAt: "2026-11-25T13:00:00.000Z"))
        let r = try #require(DeliveryEvent(sequence: 2, json: resolved))
        #expect(r.isResolved && r.resolvedAt == "2026-11-25T13:00:00.000Z")
        let rb = try #require(try JSONSerialization.jsonObject(with: Data(AlertmanagerSink.body(r, generatorURL: nil))) as? [[String: Any]])
        #expect(rb.first?["endsAt"] as? String == "2026-11-25T13:00:00.000Z")
    }

    @Test("HTTP/1.1 responses: status, keep-alive, Content-Length and chunked bodies (RFC 9112)")
    func httpResponses() throws {
        let ok = try #require(PlainResponseHead(Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y".utf8)))
        #expect(ok.status == 200 && ok.keepAlive && ok.contentLength == 5 && !ok.chunked)
        let closing = try #require(PlainResponseHead(Array("HTTP/1.1 500 Oops\r\nConnection: close".utf8)))
        #expect(closing.status == 500 && !closing.keepAlive)
        let old = try #require(PlainResponseHead(Array("HTTP/1.0 204 No Content".utf8)))
        #expect(!old.keepAlive)
        #expect(PlainResponseHead(Array("SSH-2.0-OpenSSH".utf8)) == nil)
        #expect(PlainResponseHead(Array("HTTP/1.1 200 OK\r\nContent-Length: -3".utf8)) == nil)

        var fds: [Int32] = [0, 0]
        let paired = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
        #expect(paired == 0)
        defer { close(fds[0]); close(fds[1]) }
        let wire = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=1\r\npedia\r\n0\r\nT: 1\r\n\r\n".utf8)
        _ = wire.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        var reader = SocketReader(fd: fds[0])
        let read = reader.readHead(limit: 1024)
        let head = try #require(read)
        #expect(PlainResponseHead(head)?.chunked == true)
        let skipped = reader.skipChunked(limit: 1 << 20)
        #expect(skipped)
        #expect(reader.buffered == 0)
    }

    @Test("the journal numbers events, survives reopening and a torn last line, and prunes delivered segments")
    func journal() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bgpsentry-journal-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var settings = JournalSettings()
        settings.segmentBytes = 4096
        do {
            let j = try EventJournal(directory: dir, settings: settings)
            for i in 1...100 { #expect(j.append(Array("{\"n\":\(i),\"pad\":\"\(String(repeating: "x", count: 100))\"}".utf8)) == UInt64(i)) }
            j.sync()
            #expect(j.segmentCount > 1)
        }
        // A crash in the middle of a write leaves a line without its newline.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let last = try #require(names.last)
        let handle = try #require(FileHandle(forWritingAtPath: "\(dir)/\(last)"))
        handle.seekToEndOfFile()
        handle.write(Data("101\t{\"n\":10".utf8))
        try handle.close()
        let j = try EventJournal(directory: dir, settings: settings)
        #expect(j.lastSequence == 100)
        let after = j.records(after: 90)
        #expect(after.map(\.sequence) == Array(91...100))
        #expect(String(decoding: after[0].json, as: UTF8.self).hasPrefix("{\"n\":91,"))
        let before = j.segmentCount
        j.prune(deliveredThrough: 95)
        #expect(j.segmentCount < before)
        #expect(j.records(after: 95).count == 5)
    }
}
