import Foundation
import Yams

/// A parsed configuration document: mappings, lists and text scalars, each with its line — all that
/// BGPSentry's YAML files (registry, daemon config) need. Built by `FastYAML` for the block style our
/// files use, or converted from Yams for anything else YAML allows.
public enum ConfigNode: Sendable {
    case scalar(String, line: Int)
    case list([ConfigNode], line: Int)
    case map([(key: String, keyLine: Int, value: ConfigNode)], line: Int)

    public var line: Int {
        switch self {
        case .scalar(_, let l), .list(_, let l), .map(_, let l): l
        }
    }

    /// The value under `key` of a mapping (first occurrence).
    public subscript(_ key: String) -> ConfigNode? {
        guard case .map(let entries, _) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// Parses YAML text: the fast subset reader first, Yams for everything else.
    public static func parse(_ text: String) throws -> ConfigNode? { try parse(utf8: Array(text.utf8)) }

    /// `parse` of valid UTF-8 bytes (`readUTF8`): the fast reader works on them as they are; a `String` is made
    /// only for Yams.
    public static func parse(utf8 bytes: [UInt8]) throws -> ConfigNode? {
        if let fast = FastYAML.parse(utf8: bytes) { return fast }
        guard let node = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self), .basic) else { return nil }
        return ConfigNode(yamsNode: node)
    }

    /// Reads a configuration or data-set file; `ConfigErrors` naming `path` when it cannot.
    public static func readBytes(path: String) throws(ConfigErrors) -> [UInt8] {
        func failure() -> ConfigErrors {
            ConfigErrors([ConfigError(file: path, line: 0, field: "", "cannot read the file: \(String(cString: strerror(errno)))")])
        }
        // A regular file is read(2) straight into an array sized from fstat (through Data, a 60 MB RPKI file was
        // read and then copied whole; through a bounce buffer, copied once more); then, and for pipes, chunks
        // are appended until end of file, which also serves files that grow while being read.
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure() }
        defer { close(fd) }
        var info = stat()
        var bytes: [UInt8] = []
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 {
            var readError: Int32 = 0
            bytes = [UInt8](unsafeUninitializedCapacity: Int(info.st_size)) { buffer, filled in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                adviseHugePages(raw)
                (filled, readError) = readWhole(fd, into: raw)
            }
            if readError != 0 {
                errno = readError
                throw failure()
            }
            // Where the loop below goes on (pread leaves the file offset alone).
            guard lseek(fd, off_t(bytes.count), SEEK_SET) >= 0 else { throw failure() }
        }
        let chunkSize = 1 << 20
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let n = read(fd, chunk.baseAddress, chunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure()
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// From this size on, a file's two halves are read on two threads at once: reading into fresh memory is
    /// mostly the kernel zeroing and mapping its pages (half a 56 MB RPKI file's load time on a virtual machine),
    /// and while the data sets load, the RPKI file's read was what everything else waited for.
    static let parallelReadThreshold = 8 << 20

    /// Reads `buffer.count` bytes from the start of `fd` (pread: the file offset is left alone), the halves of a
    /// large buffer on two threads; returns how many contiguous bytes from the start were read (fewer when the
    /// file shrank) and the errno of a failed read, else 0.
    private static func readWhole(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> (Int, Int32) {
        guard let base = buffer.baseAddress else { return (0, 0) }
        func readRange(_ range: Range<Int>) -> (Int, Int32) {
            var done = 0
            while done < range.count {
                let n = pread(fd, base + range.lowerBound + done, range.count - done, off_t(range.lowerBound + done))
                if n < 0 && errno == EINTR { continue }
                if n < 0 { return (done, errno) }
                if n == 0 { break }  // the file shrank
                done += n
            }
            return (done, 0)
        }
        guard buffer.count >= parallelReadThreshold else { return readRange(0..<buffer.count) }
        let half = buffer.count / 2
        let end = buffer.count
        // The other thread writes only the second half, and is joined before this function returns.
        nonisolated(unsafe) let readSecond = readRange
        let second = JoinableThread { () -> (Int, Int32) in readSecond(half..<end) }
        let (firstCount, firstError) = readRange(0..<half)
        guard case .success(let (secondCount, secondError)) = second.join() else { return (firstCount, firstError) }
        if firstError != 0 { return (firstCount, firstError) }
        if firstCount < half { return (firstCount, 0) }
        return (half + secondCount, secondError)
    }

    /// Asks for transparent huge pages under the 2 MiB-aligned part of a large buffer about to be filled: a
    /// 56 MB RPKI file read into fresh 4 KiB pages took 14,000 page faults, a quarter of its load time on a
    /// virtual machine. Only advice: where the kernel has THP off or no huge page to give, nothing changes.
    private static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        let hugePage = 2 << 20
        guard buffer.count >= 4 * hugePage, let base = buffer.baseAddress else { return }
        let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(hugePage - 1)
        guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(aligned, end - start, MADV_HUGEPAGE)
    }

    /// Reads a YAML file as UTF-8 text; `ConfigErrors` naming `path` when it cannot.
    public static func readText(path: String) throws(ConfigErrors) -> String {
        String(decoding: try readUTF8(path: path), as: UTF8.self)
    }

    /// Reads a file that must be UTF-8 text, as its bytes (a registry's 900 KB were copied twice on their way
    /// to the parser through a `String`); `ConfigErrors` naming `path` when it cannot be read or is not UTF-8.
    public static func readUTF8(path: String) throws(ConfigErrors) -> [UInt8] {
        let bytes = try readBytes(path: path)
        guard isUTF8(bytes) else { throw ConfigErrors([ConfigError(file: path, line: 0, field: "", "not UTF-8 text")]) }
        return bytes
    }

    /// Whether `bytes` are valid UTF-8, checked in place (`String(validating:)` would copy them). ASCII is
    /// stepped over eight bytes at a time and only the runs of bytes ≥ 0x80 go to the standard validator: an
    /// ASCII byte is a whole scalar and never part of a multi-byte one, so the text is valid exactly when each such
    /// run is (the standard validator over all of a registry's 900 KB was 8 M instructions, 8 % of its load).
    static func isUTF8(_ bytes: [UInt8]) -> Bool {
        let span = bytes.span
        let highBits: UInt64 = 0x8080_8080_8080_8080
        return bytes.withUnsafeBytes { raw in
            let count = raw.count
            var i = 0
            while i < count {
                while count - i >= 8, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & highBits == 0 { i += 8 }
                while i < count, raw[i] < 0x80 { i += 1 }
                var end = i
                while end < count, raw[end] >= 0x80 { end += 1 }
                guard end == i || (try? UTF8Span(validating: span.extracting(i..<end))) != nil else { return false }
                i = end
            }
            return true
        }
    }

    /// Parses a configuration document whose top level must be a mapping; syntax errors and any other top
    /// level are reported at their line. `expected` names the keys for the message.
    public static func parseMapping(_ text: String, file: String, expected: String)
        throws(ConfigErrors) -> (root: ConfigNode, entries: [(key: String, keyLine: Int, value: ConfigNode)])
    {
        try parseMapping(utf8: Array(text.utf8), file: file, expected: expected)
    }

    /// `parseMapping` of valid UTF-8 bytes (`readUTF8`).
    public static func parseMapping(utf8 bytes: [UInt8], file: String, expected: String)
        throws(ConfigErrors) -> (root: ConfigNode, entries: [(key: String, keyLine: Int, value: ConfigNode)])
    {
        let root: ConfigNode?
        do {
            root = try parse(utf8: bytes)
        } catch {
            throw ConfigErrors([ConfigError(file: file, line: YAMLFields.line(of: error), field: "", "YAML syntax: \(error)")])
        }
        guard let root, case .map(let entries, _) = root else {
            throw ConfigErrors([ConfigError(file: file, line: root?.line ?? 0, field: "", "expected a mapping with \(expected)")])
        }
        return (root, entries)
    }

    /// Converts a Yams node (aliases become empty scalars: our files do not use them for values).
    public init(yamsNode node: Node) {
        let line = node.mark?.line ?? 0
        switch node {
        case .scalar(let s): self = .scalar(s.string, line: line)
        case .sequence(let seq): self = .list(seq.map { ConfigNode(yamsNode: $0) }, line: line)
        case .mapping(let m):
            self = .map(m.map { (key: $0.key.string ?? "", keyLine: $0.key.mark?.line ?? line, value: ConfigNode(yamsNode: $0.value)) },
                        line: line)
        case .alias: self = .scalar("", line: line)
        }
    }
}
