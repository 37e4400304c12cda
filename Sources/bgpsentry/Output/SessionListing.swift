import PacketCapture

/// Which sessions a summary lists: every one that carried a BGP message, and the first few connections
/// that did not (a scan or flood of TCP/179 would otherwise fill the summary).
enum SessionListing {
    static let silentShown = 10

    static func shown(_ sessions: [BGPSession]) -> [BGPSession] {
        var silent = 0
        return sessions.filter { s in
            if s.carriedMessages { return true }
            silent += 1
            return silent <= silentShown
        }
    }

    static func omitted(_ sessions: [BGPSession]) -> String {
        let silent = sessions.count { !$0.carriedMessages }
        return silent > silentShown ? "  … \(silent - silentShown) more connections without a BGP message\n" : ""
    }
}
