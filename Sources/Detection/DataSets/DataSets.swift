/// The optional detection data sets, swapped in as one immutable snapshot (docs/DETECTION.md, "Route-leak
/// methods", `rpki-invalid`).
public struct DataSets: Sendable {
    public var asRelationships: ASRelationships?
    public var rpki: RPKIData?

    public init(asRelationships: ASRelationships? = nil, rpki: RPKIData? = nil) {
        self.asRelationships = asRelationships
        self.rpki = rpki
    }

    /// Loads the files given, the AS relationships and the RPKI payloads on two threads at once (they are
    /// independent, and together they dominate start-up and reload time). Every invalid file is reported.
    public static func load(asRelationships asRelPath: String?, rpki rpkiPath: String?, slurm: String?) throws(ConfigErrors) -> DataSets {
        let relationshipsLoad = asRelPath.map { path in
            JoinableThread { () throws(ConfigErrors) -> ASRelationships in try ASRelationships.load(path: path) }
        }
        var rpki: Result<RPKIData?, ConfigErrors> = .success(nil)
        if let rpkiPath {
            do throws(ConfigErrors) { rpki = .success(try RPKILoader.load(path: rpkiPath, slurmPath: slurm)) } catch { rpki = .failure(error) }
        }
        let relationships = relationshipsLoad?.join().map(Optional.some) ?? .success(nil)
        var errors: [ConfigError] = []
        var sets = DataSets()
        switch relationships {
        case .success(let r): sets.asRelationships = r
        case .failure(let e): errors += e.errors
        }
        switch rpki {
        case .success(let r): sets.rpki = r
        case .failure(let e): errors += e.errors
        }
        guard errors.isEmpty else { throw ConfigErrors(errors) }
        return sets
    }
}
