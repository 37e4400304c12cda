/// ORIGIN (type 1, RFC 4271 §5.1.1).
public enum Origin: UInt8, Sendable, Hashable, CustomStringConvertible {
    case igp = 0
    case egp = 1
    case incomplete = 2

    public var description: String {
        switch self {
        case .igp: "IGP"
        case .egp: "EGP"
        case .incomplete: "INCOMPLETE"
        }
    }
}
