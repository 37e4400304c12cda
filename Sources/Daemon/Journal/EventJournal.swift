import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The durable, append-only record of every alert event, written before any sink sees the event.
///
/// Segments `journal/SEQ.jsonl` hold lines `SEQ<TAB>JSON`; sequence numbers are consecutive from 1 and
/// never reused. Appends go to the kernel at once and are fsync'd in batches (`sync()`, every
/// `syncIntervalMilliseconds`), so a crash loses at most the last interval — and a `kill -9` loses nothing,
/// since the page cache survives the process. Segments every sink has passed are deleted; when the journal
/// outgrows `maximumBytes` the oldest segments go even if undelivered, loudly (`overflowDropped`).
public final class EventJournal {
    public struct Record: Sendable {
        public var sequence: UInt64
        public var json: [UInt8]
    }

    public let directory: String
    public let settings: JournalSettings
    /// The sequence number of the newest record (0 when empty).
    public private(set) var lastSequence: UInt64 = 0
    /// Records deleted undelivered because the journal exceeded `maximumBytes`.
    public private(set) var overflowDropped: UInt64 = 0
    /// Write or fsync failures (disk full, I/O error): events still reach the sinks from memory.
    public private(set) var writeErrors = 0
    public private(set) var lastError: String?
    private var segments: [(first: UInt64, path: String, bytes: Int)] = []
    private var fd: Int32 = -1
    private var dirty = false

    public init(directory: String, settings: JournalSettings) throws(DaemonError) {
        self.directory = directory
        self.settings = settings
        try StateFiles.makeDirectory(directory)
        try scan()
        // Open (or create) the segment now: file creation and its directory fsync are disk waits that the
        // first alert of a run must not pay on the capture path.
        openSegment(first: lastSequence + 1, reuseLast: true)
    }

    deinit {
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    public var totalBytes: Int { segments.reduce(0) { $0 + $1.bytes } }
    public var segmentCount: Int { segments.count }

    /// Appends one event; returns its sequence number. A write failure is counted and reported, never thrown:
    /// the event is still delivered from memory (durability is lost, not the alert).
    @discardableResult
    public func append(_ json: [UInt8]) -> UInt64 {
        lastSequence += 1
        var line = Array("\(lastSequence)\t".utf8)
        line.reserveCapacity(line.count + json.count + 1)
        line += json
        line.append(0x0A)
        if fd < 0 || (segments.last?.bytes ?? 0) >= settings.segmentBytes { openSegment(first: lastSequence) }
        if fd >= 0 {
            let ok = line.withUnsafeBytes { StateFiles.writeAll(fd, $0) }
            if ok {
                segments[segments.count - 1].bytes += line.count
                dirty = true
            } else {
                fail("cannot append to the journal: \(String(cString: strerror(errno)))")
            }
        }
        enforceSizeLimit()
        return lastSequence
    }

    /// Makes appended records durable (fsync). Cheap when nothing was appended.
    public func sync() {
        let handle = takeSyncHandle()
        guard handle >= 0 else { return }
        if !Self.sync(handle) { fail("cannot fsync the journal: \(String(cString: strerror(errno)))") }
    }

    /// A duplicate of the current segment's descriptor when records await fsync (else -1), so the caller can
    /// fsync outside its lock: appends never wait for the disk. Pass it to `sync(_:)`.
    public func takeSyncHandle() -> Int32 {
        guard dirty, fd >= 0 else { return -1 }
        dirty = false
        return dup(fd)
    }

    /// fsyncs and closes a handle from `takeSyncHandle`; false when fsync failed.
    public static func sync(_ handle: Int32) -> Bool {
        defer { close(handle) }
        return fsync(handle) == 0
    }

    /// Records an fsync failure seen outside the lock.
    public func syncFailed(_ why: String) { fail("cannot fsync the journal: \(why)") }

    /// Every record with a sequence number above `sequence`, oldest first.
    public func records(after sequence: UInt64) -> [Record] {
        var out: [Record] = []
        for (i, segment) in segments.enumerated() {
            let next = i + 1 < segments.count ? segments[i + 1].first : lastSequence + 1
            guard next > sequence + 1 else { continue }
            out += Self.read(segment.path).filter { $0.sequence > sequence }
        }
        return out
    }

    /// Deletes segments whose records every sink has delivered (`deliveredThrough` = the lowest cursor).
    public func prune(deliveredThrough sequence: UInt64) {
        while segments.count > 1, segments[1].first <= sequence + 1 {
            unlink(segments[0].path)
            segments.removeFirst()
        }
    }

    // MARK: - Files

    private func scan() throws(DaemonError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw DaemonError.state(directory, "cannot list the journal folder: \(error.localizedDescription)")
        }
        for name in names where name.hasSuffix(".jsonl") {
            guard let first = UInt64(name.dropLast(6)) else { continue }
            let path = "\(directory)/\(name)"
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
            segments.append((first, path, size))
        }
        segments.sort { $0.first < $1.first }
        if let last = segments.last {
            lastSequence = Self.read(last.path).last?.sequence ?? (last.first - 1)
        }
    }

    /// Opens a new segment starting at `first`; with `reuseLast`, the newest segment is appended to instead
    /// while it is below the segment size.
    private func openSegment(first: UInt64, reuseLast: Bool = false) {
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
            fd = -1
        }
        var path = "\(directory)/\(String(format: "%020llu", first)).jsonl"
        if reuseLast, let last = segments.last, last.bytes < settings.segmentBytes { path = last.path }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        if fd < 0 {
            fail("cannot create journal segment \(path): \(String(cString: strerror(errno)))")
            return
        }
        if segments.last?.path != path {
            segments.append((first, path, 0))
        } else if let last = segments.last, last.bytes > 0, Self.lastByte(path) != 0x0A {
            // A crash mid-write left a torn line: end it, so the next record starts on its own line.
            var newline: UInt8 = 0x0A
            if write(fd, &newline, 1) == 1 { segments[segments.count - 1].bytes += 1 }
        }
        StateFiles.syncDirectory(directory)
    }

    private func enforceSizeLimit() {
        while segments.count > 1, totalBytes > settings.maximumBytes {
            let dropped = segments[1].first - segments[0].first
            overflowDropped += dropped
            fail("journal over \(settings.maximumBytes) bytes: deleted segment \(segments[0].path) (\(dropped) events)")
            unlink(segments[0].path)
            segments.removeFirst()
        }
    }

    private func fail(_ message: String) {
        writeErrors += 1
        lastError = message
        DaemonLog.logger.error("\(message)")
    }

    private static func lastByte(_ path: String) -> UInt8? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var b: UInt8 = 0
        guard lseek(fd, -1, SEEK_END) >= 0, Glibc.read(fd, &b, 1) == 1 else { return nil }
        return b
    }

    /// Reads a segment; a torn line (crash mid-write) and unparsable lines are skipped.
    static func read(_ path: String) -> [Record] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var out: [Record] = []
        let bytes = [UInt8](data)
        var start = 0
        while start < bytes.count {
            guard let end = bytes[start...].firstIndex(of: 0x0A) else { break }  // torn tail
            if let tab = bytes[start..<end].firstIndex(of: 0x09),
                let seq = UInt64(String(decoding: bytes[start..<tab], as: UTF8.self)), tab + 1 < end,
                bytes[end - 1] == UInt8(ascii: "}")  // a whole JSON object, not a torn prefix
            {
                out.append(Record(sequence: seq, json: Array(bytes[(tab + 1)..<end])))
            }
            start = end + 1
        }
        return out
    }
}
