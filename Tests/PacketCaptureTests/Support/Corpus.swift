import BGPWire
import Foundation
import PacketCapture

/// Locates the shared corpus (`../shared/corpus` next to the checkout, or `$BGPSENTRY_CORPUS`) and the
/// committed fixtures, and decodes captures into per-frame observations comparable with tshark's output.
enum Corpus {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var directory: URL? {
        let candidates = [ProcessInfo.processInfo.environment["BGPSENTRY_CORPUS"].map { URL(fileURLWithPath: $0) },
                          packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("pcap").path) }
    }

    static var fixtures: URL { packageRoot.appendingPathComponent("Tests/Fixtures/captures") }

    static func files(in folder: URL, suffixes: [String] = [""]) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter { name in suffixes.contains { name.hasSuffix($0) } && !name.hasSuffix(".tsv")
            && !name.hasSuffix(".txt") && !name.hasSuffix(".scenario") && !name.hasSuffix(".md") }
            .map { folder.appendingPathComponent($0) }
    }

    /// Per-frame view of what was decoded: message types, announced and withdrawn prefix addresses.
    struct FrameObservation: Equatable, CustomStringConvertible {
        var types: [Int] = []
        var announced: [String] = []
        var withdrawn: [String] = []

        var description: String { "types \(types) announced \(announced) withdrawn \(withdrawn)" }
    }

    struct Decoded {
        var frames: [Int: FrameObservation] = [:]
        var statistics = CaptureStatistics()
        var sessions: [BGPSession] = []
        var updates: [UpdateMessage] = []
    }

    /// Families whose prefixes tshark 4.0 reports in its nlri/mp_*_prefix fields (INVENTORY.md).
    static func tsharkReports(_ family: AddressFamily) -> Bool {
        (family.afi == 1 && [1, 2, 4, 128].contains(family.safi)) || (family.afi == 2 && [1, 2, 4].contains(family.safi))
    }

    static func decode(_ url: URL, ports: Set<UInt16> = [179, 1179], keepUpdates: Bool = false) throws -> Decoded {
        var result = Decoded()
        let decoder = CaptureDecoder(bgpPorts: ports) { event in
            guard case .message(let m) = event else { return }
            var obs = result.frames[m.frame] ?? FrameObservation()
            obs.types.append(Int(m.type.rawValue))
            if m.type == .update {
                let view = UpdateView(m.bytes, context: m.context)
                let update = UpdateMessage(view)
                for r in update.nlri { obs.announced.append(address(r.prefix)) }
                for r in update.withdrawnRoutes { obs.withdrawn.append(address(r.prefix)) }
                if let reach = update.attributes.mpReach, tsharkReports(reach.family) {
                    obs.announced += reach.routes.map { address($0.prefix) }
                }
                if let unreach = update.attributes.mpUnreach, tsharkReports(unreach.family) {
                    obs.withdrawn += unreach.routes.map { address($0.prefix) }
                }
                if keepUpdates { result.updates.append(update) }
            }
            result.frames[m.frame] = obs
        }
        let source = try PcapSource.openOffline(url.path)
        let linkType = source.linkType
        while case .frame = try source.next({ decoder.process($0, linkType: linkType) }) {}
        decoder.finish()
        result.statistics = decoder.statistics
        result.sessions = decoder.sessions
        return result
    }

    static func address(_ p: IPPrefix) -> String {
        switch p {
        case .v4(let v): v.address.description
        case .v6(let v): v.address.description
        }
    }

    /// Parses a tshark ground-truth TSV (see INVENTORY.md) into per-frame observations.
    static func groundTruth(_ url: URL) throws -> [Int: FrameObservation] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) else { return [:] }
        lines.removeFirst()
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        let cFrame = column("frame.number") ?? 0
        let cType = column("bgp.type")
        let announcedCols = ["bgp.nlri_prefix", "bgp.mp_reach_nlri_ipv4_prefix", "bgp.mp_reach_nlri_ipv6_prefix"].compactMap(column)
        let withdrawnCols = ["bgp.withdrawn_prefix", "bgp.mp_unreach_nlri_ipv4_prefix", "bgp.mp_unreach_nlri_ipv6_prefix"].compactMap(column)
        var out: [Int: FrameObservation] = [:]
        for line in lines {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let frame = Int(fields[cFrame]) else { continue }
            func values(_ c: Int) -> [String] {
                guard c < fields.count, !fields[c].isEmpty else { return [] }
                return fields[c].split(separator: ",").map(String.init)
            }
            var obs = FrameObservation()
            if let cType { obs.types = values(cType).compactMap { Int($0) } }
            for c in announcedCols { obs.announced += values(c) }
            for c in withdrawnCols { obs.withdrawn += values(c) }
            if !obs.types.isEmpty { out[frame] = obs }
        }
        return out
    }
}
