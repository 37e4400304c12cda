/// Why a capture source could not be opened or read.
public struct CaptureError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case openFailed
        case readFailed
        case filterFailed
        case activateFailed
    }

    public var code: Code
    /// The file, `-` or interface name.
    public var source: String
    public var reason: String

    public init(_ code: Code, source: String, _ reason: String) {
        self.code = code
        self.source = source
        self.reason = reason
    }

    public var description: String { "\(source): \(reason)" }
}
