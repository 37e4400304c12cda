import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Small durable-file helpers for the state directory: atomic replace, full writes, directory fsync.
enum StateFiles {
    static func makeDirectory(_ path: String) throws(DaemonError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
        } catch {
            throw DaemonError.state(path, "cannot create the folder: \(error.localizedDescription)")
        }
    }

    /// Writes every byte (retrying short writes and EINTR); false on error (errno set).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Replaces `path` atomically: write a temporary file, fsync it (when `durable`), rename, fsync the folder.
    /// Without `durable` a crash may leave the previous content, never a torn one.
    @discardableResult
    static func replace(_ path: String, with bytes: [UInt8], durable: Bool = true) -> Bool {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return false }
        let ok = bytes.withUnsafeBytes { writeAll(fd, $0) } && (!durable || fsync(fd) == 0)
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            return false
        }
        if durable { syncDirectory((path as NSString).deletingLastPathComponent) }
        return true
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
}
