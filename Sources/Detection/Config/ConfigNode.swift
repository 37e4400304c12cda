import Yams

/// A parsed configuration document: mappings, lists and text scalars, each with its line — all that
/// BGPSentry's YAML files (registry, daemon config) need. Built by `FastYAML` for the block style our
/// files use, or converted from Yams for anything else YAML allows.
public indirect enum ConfigNode: Sendable {
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
    public static func parse(_ text: String) throws -> ConfigNode? {
        if let fast = FastYAML.parse(text) { return fast }
        guard let node = try Yams.compose(yaml: text, .basic) else { return nil }
        return ConfigNode(yamsNode: node)
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
