import ArgumentParser
import Daemon

#if canImport(Glibc)
import Glibc
#endif

/// The `bgpsentry` command line.
@main
struct BGPSentry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bgpsentry",
        abstract: "BGP route-anomaly detection: decode BGP sessions from captures and flag hijacks and leaks.",
        version: BGPSentryVersion.string,
        subcommands: [DecodeCommand.self, ReplayCommand.self, RunCommand.self, CheckConfigCommand.self]
    )

    /// Exit codes: 0 ok, 1 unreadable input, 2 usage (argument-parser's 64 is mapped to 2).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                let message = fullMessage(for: error)
                FileHandleStderr.write(message + "\n")
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Unbuffered stderr writes for fatal messages.
enum FileHandleStderr {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in _ = Glibc.write(2, raw.baseAddress, raw.count) }
    }
}

/// A failure that maps to an exit status, printed as one clear line.
struct CommandFailure: Error, CustomStringConvertible {
    var status: Int32
    var message: String
    var description: String { message }
}
