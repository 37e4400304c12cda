import ArgumentParser
import Detection

/// The optional detection data sets, as command-line options shared by `replay` and `check-config`.
struct DataSetOptions: ParsableArguments {
    @Option(name: .customLong("as-rel"), help: "CAIDA AS-relationships file (serial-1 or serial-2) for the valley-free leak method.")
    var asRel: String?

    @Option(help: "Validated RPKI payloads as JSON (rpki-client -j, Routinator json/jsonext): rpki-invalid and the aspa method.")
    var rpki: String?

    @Option(help: "RFC 8416 SLURM file of local exceptions applied to --rpki.")
    var slurm: String?

    var isEmpty: Bool { asRel == nil && rpki == nil && slurm == nil }

    /// Loads every data set given; the first invalid file is reported as `ConfigErrors`.
    func load() throws(ConfigErrors) -> DataSets {
        try DataSets.load(asRelationships: asRel, rpki: rpki, slurm: slurm)
    }
}
