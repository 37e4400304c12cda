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
        nonisolated(unsafe) var relationships: Result<ASRelationships?, ConfigErrors> = .success(nil)
        nonisolated(unsafe) var rpki: Result<RPKIData?, ConfigErrors> = .success(nil)
        let relationshipsLoad = asRelPath.map { path in
            JoinableThread {
                do throws(ConfigErrors) { relationships = .success(try ASRelationships.load(path: path)) } catch { relationships = .failure(error) }
            }
        }
        if let rpkiPath {
            do throws(ConfigErrors) { rpki = .success(try RPKILoader.load(path: rpkiPath, slurmPath: slurm)) } catch { rpki = .failure(error) }
        }
        relationshipsLoad?.wait()
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
