import Detection

/// `replay`'s registry and data sets, started before the command line is parsed.
///
/// Parsing the command line (swift-argument-parser builds every subcommand's arguments by reflection) takes
/// some 3–4 ms of the main thread at start-up, and the replay's parse thread cannot start before the registry
/// is loaded: started here, the load overlaps that time on the second core. `start` reads only the few options
/// it needs, from `replay`'s arguments as they are; the command later takes a load only for the same path it
/// parsed (`registry(path:)`, `dataSets(_:)`), so a command line read differently here changes nothing but
/// wasted work. A usage error exits with the loads unfinished.
enum EarlyLoads {
    /// The files named on a `replay` command line, each given once.
    struct Paths: Equatable {
        var registry: String?
        var asRel: String?
        var rpki: String?
        var slurm: String?
    }

    private struct Started {
        let paths: Paths
        var registry: JoinableThread<Registry, ConfigErrors>?
        var dataSets: JoinableThread<DataSets, ConfigErrors>?
    }

    /// Set and taken on the main thread only.
    nonisolated(unsafe) private static var started: Started?

    /// Main thread, before the command line is parsed: starts the loads a `replay` command line names.
    static func start(arguments: [String]) {
        guard let paths = paths(in: arguments), let registryPath = paths.registry else { return }
        BatchAllocator.configure(hugePageHeap: true)  // before any other thread allocates
        var loads = Started(paths: paths)
        loads.registry = JoinableThread { () throws(ConfigErrors) -> Registry in
            try RegistryLoader.load(path: registryPath)
        }
        if paths.asRel != nil || paths.rpki != nil || paths.slurm != nil {
            loads.dataSets = JoinableThread { () throws(ConfigErrors) -> DataSets in
                try DataSets.load(asRelationships: paths.asRel, rpki: paths.rpki, slurm: paths.slurm)
            }
        }
        started = loads
    }

    /// The registry load for `path`: the early one when it was started for that path, else a new one.
    static func registry(path: String) -> JoinableThread<Registry, ConfigErrors> {
        if let early = started?.registry, started?.paths.registry == path {
            started?.registry = nil
            return early
        }
        return JoinableThread { () throws(ConfigErrors) -> Registry in try RegistryLoader.load(path: path) }
    }

    /// The data sets' load for `options`: the early one when it was started for the same files, else a new one.
    static func dataSets(_ options: DataSetOptions) -> JoinableThread<DataSets, ConfigErrors> {
        let wanted = Paths(registry: started?.paths.registry, asRel: options.asRel, rpki: options.rpki,
                           slurm: options.slurm)
        if let early = started?.dataSets, started?.paths == wanted {
            started?.dataSets = nil
            return early
        }
        return JoinableThread { () throws(ConfigErrors) -> DataSets in try options.load() }
    }

    /// The files of a `replay` command line (`bgpsentry replay … --registry FILE …`, `--option=FILE` too), or
    /// `nil` for any other command. An option given twice is left out (which one counts is the parser's
    /// business); reading stops at `--`, after which everything is a capture file.
    static func paths(in arguments: [String]) -> Paths? {
        guard arguments.count > 1, arguments[1] == "replay" else { return nil }
        var found: [String: [String]] = [:]
        var i = 2
        while i < arguments.count, arguments[i] != "--" {
            let argument = arguments[i]
            i += 1
            for name in ["registry", "as-rel", "rpki", "slurm"] {
                if argument == "--" + name, i < arguments.count {
                    found[name, default: []].append(arguments[i])
                    i += 1
                } else if argument.hasPrefix("--\(name)=") {
                    found[name, default: []].append(String(argument.dropFirst(name.count + 3)))
                }
            }
        }
        func once(_ name: String) -> String? { found[name].flatMap { $0.count == 1 ? $0[0] : nil } }
        return Paths(registry: once("registry"), asRel: once("as-rel"), rpki: once("rpki"), slurm: once("slurm"))
    }
}
