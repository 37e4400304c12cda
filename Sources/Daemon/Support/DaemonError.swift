/// Why the daemon could not start or do something, with the file, URL or interface it concerns.
public enum DaemonError: Error, Sendable, CustomStringConvertible {
    /// The state directory, journal, cursors or snapshot (path, what failed).
    case state(String, String)
    /// A configuration problem found when starting (not a syntax error: those are `ConfigErrors`).
    case config(String)
    /// A capture source could not be opened.
    case capture(String, String)
    /// A sink could not be set up (name, why).
    case sink(String, String)
    /// The HTTP endpoint could not listen.
    case http(String)

    public var description: String {
        switch self {
        case .state(let path, let why): "\(path): \(why)"
        case .config(let why): why
        case .capture(let source, let why): "capture \(source): \(why)"
        case .sink(let name, let why): "sink \(name): \(why)"
        case .http(let why): "HTTP endpoint: \(why)"
        }
    }
}
