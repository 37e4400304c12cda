import Logging

/// The daemon's logger (swift-log). Log lines go to stderr, which systemd sends to the journal.
public enum DaemonLog {
    nonisolated(unsafe) public static var logger = Logger(label: "bgpsentry")

    /// Installs the stderr handler at `level` (`info` when the name is unknown). Called once at start.
    public static func bootstrap(level: String) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: level) ?? .info
            return handler
        }
        var l = Logger(label: "bgpsentry")
        l.logLevel = Logger.Level(rawValue: level) ?? .info
        logger = l
    }
}
