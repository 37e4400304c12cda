import BGPWire
import Detection

/// Fuzz target `loaders`: the operator-supplied files, selected by the first input byte — the prefix
/// registry (`prefixes.yaml`, docs/DETECTION.md), RPKI validated payloads (rpki-client / Routinator JSON:
/// VRPs and ASPA), RFC 8416 SLURM, CAIDA as-rel. Invalid input must come back as located errors, never a
/// crash; what loads must be consistent: every registered prefix is its own longest match, every VRP
/// validates its own origin (RFC 6811 §2), an as-rel link reads the same from both ends.
public enum LoadersTarget {
    public static func run(_ input: UnsafeRawBufferPointer) {
        guard let selector = input.first else { return }
        let bytes = Array(input[1...])
        switch selector % 4 {
        case 0: checkRegistry(bytes)
        case 1: checkRPKI(bytes)
        case 2: _ = try? SLURM.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.slurm")
        default: checkASRelationships(bytes)
        }
    }

    static func checkRegistry(_ bytes: [UInt8]) {
        guard let registry = try? RegistryLoader.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml") else { return }
        for entry in registry.prefixes {
            require(registry.entry(covering: entry.prefix)?.prefix == entry.prefix, "\(entry.prefix) is not its own match")
            require(entry.maxLength >= entry.prefix.length, "\(entry.prefix) maxLength \(entry.maxLength) below its length")
        }
    }

    /// Also reads the file a second time with the `roas` array forced onto two threads (cut near the middle,
    /// wherever that falls), and a third time without the one-pass reader of plain ROA objects: the outcome —
    /// VRPs, ASPA records or the errors — must be the same. Then validates every VRP's own origin one by one
    /// and as one batch (`countValidity`, which sorts and sweeps): the counts must agree.
    static func checkRPKI(_ bytes: [UInt8]) {
        func read(threshold: Int = .max, fastPath: Bool = true) -> Result<([VRP], [ASN: Set<ASN>]), ConfigErrors> {
            RPKILoader.twoThreadThreshold = threshold
            RPKILoader.plainROAFastPath = fastPath
            defer {
                RPKILoader.twoThreadThreshold = 4 << 20
                RPKILoader.plainROAFastPath = true
            }
            do throws(ConfigErrors) { return .success(try RPKILoader.parsePayloads(bytes: bytes, file: "fuzz.json")) } catch { return .failure(error) }
        }
        let sequential = read()
        for (other, name) in [(read(threshold: 0), "two-thread read"), (read(fastPath: false), "general reader")] {
            switch (sequential, other) {
            case (.success(let a), .success(let b)):
                require(a.0 == b.0 && a.1 == b.1, "the \(name) of the ROAs differs from the sequential one-pass read")
            case (.failure(let a), .failure(let b)):
                require(a.description == b.description, "\(name) errors \(b) differ from \(a)")
            default:
                require(false, "the \(name) and the sequential one-pass read disagree on validity")
            }
        }
        guard case .success(let (vrps, aspas)) = sequential else { return }
        let rpki = RPKIData(vrps: vrps, aspas: aspas)
        var queries: [RPKIData.ValidationQuery] = []
        var valid = 0, invalid = 0
        for vrp in vrps.prefix(256) {
            // Its own origin (Valid unless AS0), and an AS_SET origin (Invalid: covered, never authorised).
            for origin in [vrp.asn, nil] as [ASN?] {
                queries.append(RPKIData.ValidationQuery(prefix: vrp.prefix, origin: origin))
                switch rpki.validate(vrp.prefix, origin: origin) {
                case .valid: valid += 1
                case .invalid: invalid += 1
                case .notFound: require(false, "\(vrp) does not cover its own prefix")
                }
            }
            if vrp.asn != 0 {
                require(rpki.validate(vrp.prefix, origin: vrp.asn) == .valid, "\(vrp) does not validate its own origin")
            }
        }
        let counted = queries.withUnsafeBufferPointer { rpki.countValidity($0) }
        require(counted.valid == valid && counted.invalid == invalid && counted.notFound == 0,
                "batched RFC 6811 counts \(counted) differ from one-by-one validation (\(valid) valid, \(invalid) invalid)")
    }

    static func checkASRelationships(_ bytes: [UInt8]) {
        // The one-pass reader of plain lines must agree with the general one: same errors, or the same links.
        let fast = Result { () throws(ConfigErrors) in try ASRelationships.parse(bytes: bytes, file: "fuzz.as-rel") }
        ASRelationships.plainLineFastPath = false
        let general = Result { () throws(ConfigErrors) in try ASRelationships.parse(bytes: bytes, file: "fuzz.as-rel") }
        ASRelationships.plainLineFastPath = true
        switch (fast, general) {
        case (.failure(let a), .failure(let b)):
            require(a.errors.map(\.description) == b.errors.map(\.description), "as-rel errors differ:\n\(a)\nvs\n\(b)")
        case (.success(let a), .success(let b)):
            require(a.count == b.count, "as-rel: \(a.count) links with the one-pass reader, \(b.count) without")
            for x in ASN(0)..<8 {
                for y in ASN(0)..<8 { require(a.relation(x, y) == b.relation(x, y), "AS\(x)–AS\(y) differs between the readers") }
            }
        default:
            require(false, "as-rel readers disagree on success: \(fast) vs \(general)")
        }
        guard case .success(let relationships) = fast else { return }
        let forward = relationships.relation(1, 2), backward = relationships.relation(2, 1)
        let expected: ASRelationships.Relation? = switch forward {
        case .providerOf: .customerOf
        case .customerOf: .providerOf
        case .peer: .peer
        case nil: nil
        }
        require(backward == expected, "AS1→AS2 \(String(describing: forward)) but AS2→AS1 \(String(describing: backward))")
    }
}
