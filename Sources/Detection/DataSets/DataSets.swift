/// The optional detection data sets, swapped in as one immutable snapshot (docs/DETECTION.md, "Route-leak
/// methods", `rpki-invalid`). A class, like `Registry`: each judged route hands it to the detectors.
public final class DataSets: Sendable {
    public let asRelationships: ASRelationships?
    public let rpki: RPKIData?

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
        if case .failure(let e) = relationships { errors += e.errors }
        if case .failure(let e) = rpki { errors += e.errors }
        guard errors.isEmpty, case .success(let r) = relationships, case .success(let p) = rpki else { throw ConfigErrors(errors) }
        return DataSets(asRelationships: r, rpki: p)
    }
}
