import BGPWire

/// The `roas` array of an rpki-client or Routinator JSON file (objects with `asn`, `prefix`, `maxLength`;
/// other keys skipped), read on two threads when it is large: the array is cut at a guessed element start
/// near its middle, a second thread reads from there to the closing bracket while this one reads from the
/// start. The cut is used only if this thread, reading the array properly from its start, lands exactly
/// on it — otherwise (a guess inside a string) this thread reads on to the end alone and the other result is
/// dropped — so the outcome is always that of one sequential read.
struct ROAList {
    /// A ROA that is not a valid VRP: where it starts, its index in the array, the field and the message.
    struct Problem {
        var offset: Int
        var index: Int
        var field: String
        var message: String
    }

    var vrps: [VRP] = []
    var problems: [Problem] = []
    /// Elements read (valid or not).
    var count = 0

    /// Fewer bytes than any ROA object with the three fields takes (`{"asn":1,"prefix":"1.0.0.0/8"}` is 30):
    /// capacity reserved from the bytes left is never too small. Pages of capacity never written are never
    /// touched, so reserving generously costs address space, not memory.
    static let minimumROABytes = 24

    /// Reads the array at the scanner (its `[`) up to and including its `]`.
    static func parse(_ s: inout JSONScanner) throws(JSONScanner.Failure) -> ROAList {
        _ = s.peek()
        let remaining = s.bytes.count - s.index
        guard remaining >= RPKILoader.twoThreadThreshold, let cut = s.objectElementCandidate(from: s.index + remaining / 2) else {
            var list = ROAList()
            list.vrps.reserveCapacity(remaining / ROAList.minimumROABytes)
            try s.forEachElement { s throws(JSONScanner.Failure) in try list.element(&s) }
            return list
        }
        // The scanner's buffer outlives this function (the caller's withUnsafeBufferPointer), and `join()`
        // below runs on every path out of it, so the other thread never reads freed memory.
        nonisolated(unsafe) let tail = JSONScanner(s.bytes, at: cut, depth: s.depth + 1)
        let second = JoinableThread { () throws(JSONScanner.Failure) -> (ROAList, end: Int) in
            var scanner = tail
            var list = ROAList()
            list.vrps.reserveCapacity((scanner.bytes.count - cut) / ROAList.minimumROABytes)
            try scanner.forEachRemainingElement { s throws(JSONScanner.Failure) in try list.element(&s) }
            return (list, scanner.index)
        }
        defer { second.join() }
        var list = ROAList()
        // Room for both halves: the second is appended without the array growing (and copying) again.
        list.vrps.reserveCapacity(remaining / ROAList.minimumROABytes)
        let stopped = try s.forEachElement(stoppingAt: cut) { s throws(JSONScanner.Failure) in try list.element(&s) }
        guard stopped else { return list }  // the guess was not an element start: read sequentially, done
        let (rest, end) = try second.join().get()
        list.append(rest)
        s.index = end
        return list
    }

    /// Appends the elements read after this list's, renumbering their problems.
    private mutating func append(_ rest: ROAList) {
        vrps += rest.vrps
        problems += rest.problems.map { p in
            var p = p
            p.index += count
            return p
        }
        count += rest.count
    }

    /// Reads one ROA object.
    private mutating func element(_ s: inout JSONScanner) throws(JSONScanner.Failure) {
        _ = s.peek()  // skip whitespace so `at` is the object's first byte
        if RPKILoader.plainROAFastPath, let vrp = FastROA.read(&s) {
            vrps.append(vrp)
            count += 1
            return
        }
        defer { count += 1 }
        let at = s.index
        var asn: ASN?, asnSeen = false, prefix: IPPrefix?, prefixText: String?, maxLength: Double?
        try s.forEachKey(among: ["asn", "prefix", "maxLength"]) { s, key throws(JSONScanner.Failure) in
            switch key {
            case 0:
                asnSeen = true
                asn = try s.asn()
            case 1:
                // Bytes straight to a prefix; a String only for escaped text or an error message.
                if let raw = try s.rawString() {
                    prefix = IPPrefix(utf8: raw)
                    if prefix == nil { prefixText = String(decoding: raw, as: UTF8.self) }
                } else {
                    prefixText = try s.string()
                    prefix = prefixText.flatMap { IPPrefix($0) }
                }
            case 2: maxLength = try s.number()
            default: try s.skipValue()
            }
        }
        guard problems.count < 50 else { return }
        guard let prefix else {
            problems.append(Problem(offset: at, index: count, field: ".prefix", message: "\(prefixText ?? "missing") is not a prefix"))
            return
        }
        guard asnSeen, let asn else {
            problems.append(Problem(offset: at, index: count, field: ".asn", message: "missing or not an AS number"))
            return
        }
        let limit = prefix.isIPv4 ? 32.0 : 128.0
        let ml = maxLength ?? Double(prefix.length)
        guard ml >= Double(prefix.length), ml <= limit, ml == ml.rounded() else {
            problems.append(Problem(offset: at, index: count, field: ".maxLength",
                                    message: "maxLength \(ml) outside \(prefix.length)…\(Int(limit)) for \(prefix)"))
            return
        }
        vrps.append(VRP(prefix: prefix, maxLength: UInt8(ml), asn: asn))
    }
}
