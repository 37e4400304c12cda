#if canImport(Glibc)
import Glibc
#endif

/// Secrets read from files — a webhook's HMAC key (`secretFile`), the HTTP bearer token
/// (`http.bearerTokenFile`): refused when everyone may read the file, trailing whitespace trimmed, never empty.
/// The value itself never reaches a log line or an error message.
enum SecretFile {
    static func read(_ path: String, field: String) throws(DaemonError) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0, let bytes = StateFiles.read(path) else {
            throw DaemonError.config("cannot read \(field) \(path)")
        }
        if info.st_mode & 0o004 != 0 {
            throw DaemonError.config("\(field) \(path) is readable by everyone; chmod o-r it")
        }
        var secret = bytes
        while let last = secret.last, last == 0x0A || last == 0x0D || last == 0x20 || last == 0x09 { secret.removeLast() }
        guard !secret.isEmpty else { throw DaemonError.config("\(field) \(path) is empty") }
        return secret
    }

    /// Compares two secrets in time that depends on their lengths only, not on where they differ.
    static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
