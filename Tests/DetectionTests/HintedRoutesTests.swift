import Alerting
import BGPWire
@testable import Detection
import Foundation
import PacketCapture
import Testing

/// The engine acts on an UPDATE whose watched routes the triage named in full (`TriageVerdict.hintedRoutes`)
/// without reading its routes again: it must do exactly what walking them does.
@Suite("Engine: routes the triage named")
struct HintedRoutesTests {
    /// Replays the demo capture (every alert type, withdrawals, resolved incidents) into two engines, one given
    /// the triage's verdict per UPDATE and one walking every route and asking the registry: the same alert events
    /// in the same order and the same watched-route counts; and most watched UPDATEs were hinted.
    @Test("the demo's alert events and watched counts are the same with and without the triage's hints")
    func sameAsWalking() throws {
        let registry = try RegistryLoader.load(path: FeedPipelineTests.registry)
        var hintedEvents: [String] = [], walkedEvents: [String] = []
        func json(_ event: AlertEvent) -> String {
            var w = JSONWriter()
            AlertJSON.write(event, registry: registry, into: &w)
            return String(decoding: w.bytes, as: UTF8.self)
        }
        let hinted = EngineFeed(engine: DetectionEngine(registry: registry) { hintedEvents.append(json($0)) })
        let walked = EngineFeed(engine: DetectionEngine(registry: registry) { walkedEvents.append(json($0)) })
        var triage = UpdateTriage(registry: registry, validation: OriginValidationCounter(rpki: nil))
        var watchedUpdates = 0, hintedUpdates = 0, withdrawnHints = 0
        let decoder = CaptureDecoder { event in
            if case .message(let m) = event, m.type == .update {
                let verdict = triage.verdict(UpdateView(m.bytes, context: m.context))
                if verdict.concernsEngine { watchedUpdates += 1 }
                if let n = verdict.hintedRoutes {
                    hintedUpdates += 1
                    withdrawnHints += (0..<n).filter { verdict.hintedRoute($0).withdrawn }.count
                }
            }
            guard let item = hinted.prepare(event) else { return }
            hinted.apply(item, countedUpstream: false)  // the engine's own triage: hints where complete
            walked.apply(item, countedUpstream: true)  // no verdict: every route read and asked about
        }
        let source = try PcapSource.openOffline(FeedPipelineTests.demo)
        let linkType = source.linkType
        while case .frame = try source.next({ decoder.process($0, linkType: linkType) }) {}
        decoder.finish()
        #expect(hintedEvents.count >= 10)
        #expect(hintedEvents.count == walkedEvents.count)
        let firstDifference = Array(zip(hintedEvents, walkedEvents)).firstIndex { $0 != $1 }
        #expect(firstDifference == nil, "event \(firstDifference ?? -1) differs")
        let h = hinted.engine.statistics, w = walked.engine.statistics
        #expect(h.watchedAnnouncements == w.watchedAnnouncements && h.watchedWithdrawals == w.watchedWithdrawals)
        #expect(h.watchedAnnouncements > 0 && h.watchedWithdrawals > 0)
        // Some are not hinted: AS8075's own announcements are watched for their origin, route by route.
        #expect(hintedUpdates >= 5 && hintedUpdates < watchedUpdates)
        #expect(withdrawnHints > 0)
    }
}
