import ArgumentParser
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

    @OptionGroup var dataSets: DataSetOptions

    func validate() throws {
        guard registry != nil || !dataSets.isEmpty else {
            throw ValidationError("give at least one of --registry, --as-rel, --rpki, --slurm")
        }
    }

    func run() throws {
        var failed = false
        if let registry { failed = !checkRegistry(registry) || failed }
        if let asRel = dataSets.asRel { failed = !checkASRelationships(asRel) || failed }
        if dataSets.rpki != nil || dataSets.slurm != nil { failed = !checkRPKI() || failed }
        if failed { throw ExitCode(1) }
    }

    private func checkRPKI() -> Bool {
        let clock = MonotonicClock()
        let rpki = dataSets.rpki, slurm = dataSets.slurm
        do {
            if let rpki {
                let data = try RPKILoader.load(path: rpki, slurmPath: slurm)
                OutputStream.standardOutput.write("\(rpki): OK — \(data.vrpCount) VRPs, \(data.aspas.count) ASPA records\(slurm.map { " (SLURM \($0) applied)" } ?? ""); loaded in \(CaptureSummary.formatSeconds(clock.elapsedSeconds)) s\n")
            } else if let slurm {
                let (text, name) = try RPKILoader.readFile(slurm)
                let s = try SLURM.parse(text, file: name)
                OutputStream.standardOutput.write("\(slurm): OK — \(s.filters.count) prefix filters, \(s.assertions.count) prefix assertions\n")
            }
            OutputStream.standardOutput.flush()
            return true
        } catch {
            OutputStream.standardError.write(error.errors.map { "\($0)\n" }.joined())
            OutputStream.standardError.flush()
            return false
        }
    }

    private func checkASRelationships(_ path: String) -> Bool {
        let clock = MonotonicClock()
        do {
            let rel = try ASRelationships.load(path: path)
            OutputStream.standardOutput.write("\(path): OK — \(rel.count) AS relationships; loaded in \(CaptureSummary.formatSeconds(clock.elapsedSeconds)) s\n")
            OutputStream.standardOutput.flush()
            return true
        } catch {
            OutputStream.standardError.write(error.errors.map { "\($0)\n" }.joined())
            OutputStream.standardError.write("\(path): \(error.errors.count) error(s)\n")
            OutputStream.standardError.flush()
            return false
        }
    }

    private func checkRegistry(_ registry: String) -> Bool {
        let clock = MonotonicClock()
        do {
            let table = try RegistryLoader.load(path: registry)
            let v4 = table.prefixes.filter { $0.prefix.isIPv4 }.count
            let line = "\(registry): OK — \(table.prefixes.count) prefixes (\(v4) IPv4, \(table.prefixes.count - v4) IPv6), "
                + "\(table.partners.count) partners, \(table.monitoredASNs.count) monitored ASNs; "
                + "loaded in \(CaptureSummary.formatSeconds(clock.elapsedSeconds)) s, tries \(table.index.trieBytes / 1024) KiB (\(table.index.trieBytes / max(1, table.prefixes.count)) B/entry) + filters \((table.index.memoryBytes - table.index.trieBytes) / 1024) KiB\n"
            OutputStream.standardOutput.write(line)
            OutputStream.standardOutput.flush()
            return true
        } catch {
            OutputStream.standardError.write(error.errors.map { "\($0)\n" }.joined())
            OutputStream.standardError.write("\(registry): \(error.errors.count) error(s)\n")
            OutputStream.standardError.flush()
            return false
        }
    }
}
