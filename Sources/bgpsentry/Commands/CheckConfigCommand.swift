import ArgumentParser
import Daemon
import Detection

/// `bgpsentry check-config`: validates configuration files and prints every mistake with file:line.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a registry (prefixes.yaml) and data sets; exit 0 when valid, 1 otherwise.",
        discussion: "Prints every error as FILE:LINE: FIELD: MESSAGE, or a one-line summary when the file is valid."
    )

    @Option(help: "The registered prefix table to check (prefixes.yaml).")
    var registry: String?

    @Option(help: "The daemon configuration (bgpsentry.yaml): checked with the registry and data sets it names.")
    var config: String?

    @OptionGroup var dataSets: DataSetOptions

    func validate() throws {
        guard registry != nil || config != nil || !dataSets.isEmpty else {
            throw ValidationError("give at least one of --config, --registry, --as-rel, --rpki, --slurm")
        }
    }

    func run() throws {
        BatchAllocator.configure()
        var failed = false
        if let config { failed = !checkDaemonConfig(config) || failed }
        if let registry { failed = !checkRegistry(registry) || failed }
        if let asRel = dataSets.asRel { failed = !checkASRelationships(asRel) || failed }
        if dataSets.rpki != nil || dataSets.slurm != nil { failed = !checkRPKI() || failed }
        if failed { throw ExitCode(1) }
    }

    private func checkRPKI() -> Bool {
        let rpki = dataSets.rpki, slurm = dataSets.slurm
        if let rpki {
            return check(rpki) { () throws(ConfigErrors) in
                let data = try RPKILoader.load(path: rpki, slurmPath: slurm)
                return ("\(data.vrpCount) VRPs, \(data.aspas.count) ASPA records\(slurm.map { " (SLURM \($0) applied)" } ?? "")", "")
            }
        }
        guard let slurm else { return true }
        return check(slurm) { () throws(ConfigErrors) in
            let (text, name) = try RPKILoader.readFile(slurm)
            let s = try SLURM.parse(text, file: name)
            return ("\(s.filters.count) prefix filters, \(s.assertions.count) prefix assertions", "")
        }
    }

    /// The daemon file, then every file it names (registry, data sets), each reported like the flags.
    private func checkDaemonConfig(_ path: String) -> Bool {
        var loaded: DaemonConfig?
        let ok = check(path) { () throws(ConfigErrors) in
            let c = try DaemonConfigLoader.load(path: path)
            loaded = c
            let sources = "\(c.interfaces.count) interfaces, \(c.files.count) files"
            let sinks = c.sinks.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", ")
            return ("\(sources); sinks: \(sinks.isEmpty ? "none" : sinks); state \(c.stateDirectory)", "")
        }
        guard ok, let c = loaded else { return false }
        var good = true
        if let r = c.registry {
            good = checkRegistry(r) && good
        } else {
            OutputStream.standardError.write("\(path): registry: missing (the daemon needs one)\n")
            good = false
        }
        if let a = c.asRelationships { good = checkASRelationships(a) && good }
        if let r = c.rpki {
            good = check(r) { () throws(ConfigErrors) in
                let data = try RPKILoader.load(path: r, slurmPath: c.slurm)
                return ("\(data.vrpCount) VRPs, \(data.aspas.count) ASPA records", "")
            } && good
        }
        return good
    }

    private func checkASRelationships(_ path: String) -> Bool {
        check(path) { () throws(ConfigErrors) in
            ("\(try ASRelationships.load(path: path).count) AS relationships", "")
        }
    }

    private func checkRegistry(_ registry: String) -> Bool {
        check(registry) { () throws(ConfigErrors) in
            let table = try RegistryLoader.load(path: registry)
            let v4 = table.prefixes.filter { $0.prefix.isIPv4 }.count
            let index = table.index
            return ("\(table.prefixes.count) prefixes (\(v4) IPv4, \(table.prefixes.count - v4) IPv6), "
                        + "\(table.partners.count) partners, \(table.monitoredASNs.count) monitored ASNs",
                    ", tries \(index.trieBytes / 1024) KiB (\(index.trieBytes / max(1, table.prefixes.count)) B/entry)"
                        + " + filters \((index.memoryBytes - index.trieBytes) / 1024) KiB")
        }
    }

    /// Loads one file: prints `FILE: OK — summary; loaded in T s…`, or every located error and a count.
    private func check(_ file: String, _ load: () throws(ConfigErrors) -> (summary: String, suffix: String)) -> Bool {
        let clock = MonotonicClock()
        do {
            let (summary, suffix) = try load()
            OutputStream.standardOutput.write(
                "\(file): OK — \(summary); loaded in \(CaptureSummary.formatSeconds(clock.elapsedSeconds)) s\(suffix)\n")
            OutputStream.standardOutput.flush()
            return true
        } catch {
            OutputStream.standardError.write(error.errors.map { "\($0)\n" }.joined())
            OutputStream.standardError.write("\(file): \(error.errors.count) error(s)\n")
            OutputStream.standardError.flush()
            return false
        }
    }
}
