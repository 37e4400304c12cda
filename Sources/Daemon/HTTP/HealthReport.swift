import Alerting
import Foundation

/// `/healthz`: healthy when every live capture runs, every sink delivers (no failure in a row), the journal
/// writes and the last reload succeeded. HTTP 200 when healthy, 503 otherwise, with the details as JSON.
struct HealthReport {
    let healthy: Bool
    let json: [UInt8]

    init(snapshot s: PipelineSnapshot, sources: [CaptureService.SourceStatus], sinks: [SinkWorker.Status], reloads: ReloadCounters) {
        let captureOK = sources.filter(\.live).allSatisfy(\.running)
        let sinksOK = sinks.allSatisfy(\.healthy)
        let journalOK = s.journalErrors == 0
        let healthy = captureOK && sinksOK && journalOK && !reloads.lastFailed
        self.healthy = healthy
        var w = JSONWriter(capacity: 1024)
        w.object { w in
            w.field("status", healthy ? "ok" : "degraded")
            w.key("capture")
            w.array { w in
                for src in sources {
                    w.object { w in
                        w.field("source", src.name)
                        w.field("live", src.live ? "true" : "false")
                        w.key("running")
                        w.bool(src.running)
                        w.field("frames", src.frames)
                        w.field("kernelDropped", src.kernelDropped)
                        if let e = src.lastError { w.field("error", e) }
                    }
                }
            }
            if let t = s.lastFrameWallSeconds {
                w.field("lastFrameAgeMilliseconds", Int(max(0, Date().timeIntervalSince1970 - t) * 1000))
            }
            w.key("sinks")
            w.array { w in
                for k in sinks {
                    w.object { w in
                        w.field("name", k.name)
                        w.field("kind", k.kind)
                        w.key("healthy")
                        w.bool(k.healthy)
                        w.field("queued", k.queued)
                        w.field("delivered", k.delivered)
                        w.field("failures", k.failures)
                        w.field("dropped", k.dropped)
                        if let e = k.lastError { w.field("error", e) }
                    }
                }
            }
            w.key("journal")
            w.object { w in
                w.field("sequence", s.journalSequence)
                w.field("writeErrors", s.journalErrors)
                if let e = s.journalLastError { w.field("error", e) }
            }
            w.field("openAlerts", s.openAlerts + s.restoredOpen)
            w.key("reload")
            w.object { w in
                w.field("succeeded", reloads.succeeded)
                w.field("failed", reloads.failed)
                if let e = reloads.lastError, reloads.lastFailed { w.field("error", e) }
            }
        }
        json = w.bytes
    }
}
