import Foundation

/// Per-sink delivery cursors (`cursors/NAME`): the sequence number of the last event the sink accepted.
/// Written by atomic rename without fsync: after a power loss a cursor may be a little behind, and the events
/// after it are delivered again (at least once) — never skipped.
/// A sink whose cursor file is missing starts after the newest journaled event — a new sink does not
/// receive history — except on first start of the daemon, when it starts from the beginning.
final class SinkCursors: Sendable {
    let directory: String

    init(directory: String) throws(DaemonError) {
        self.directory = directory
        try StateFiles.makeDirectory(directory)
    }

    func load(_ sink: String) -> UInt64? {
        guard let bytes = StateFiles.read(path(sink)) else { return nil }
        return UInt64(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func store(_ sequence: UInt64, for sink: String) -> Bool {
        StateFiles.replace(path(sink), with: Array("\(sequence)\n".utf8), durable: false)
    }

    private func path(_ sink: String) -> String {
        "\(directory)/\(String(sink.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }))"
    }
}
