import PacketCapture
import Testing

@Suite("CaptureDecoder statistics")
struct CaptureStatisticsTests {
    /// Frames are counted per link type in runs (`CaptureDecoder.countLinkType`): the counts must be the same
    /// whenever they are read, across changes of link type and with `processStream` in between.
    @Test("frames per link type, read mid-run and after the type changes")
    func linkTypeRuns() {
        let decoder = CaptureDecoder { _ in }
        let bytes: [UInt8] = [0, 1, 2, 3]  // too short for any link header: counted, then dropped
        func feed(_ linkType: Int32, _ count: Int) {
            bytes.withUnsafeBytes { raw in
                for n in 0..<count {
                    decoder.process(Frame(number: n + 1, time: CaptureTime(microseconds: 0), bytes: raw, wireLength: 4),
                                    linkType: linkType)
                }
            }
        }
        feed(LinkType.ethernet, 3)
        #expect(decoder.statistics.linkTypes == ["ether": 3])
        feed(LinkType.raw, 2)
        #expect(decoder.statistics.linkTypes == ["ether": 3, "rawip": 2])
        feed(LinkType.ethernet, 1)
        bytes.withUnsafeBytes { decoder.processStream($0, name: "raw-stream") }
        feed(LinkType.ethernet, 2)
        #expect(decoder.statistics.linkTypes == ["ether": 6, "rawip": 2, "raw-stream": 1])
        #expect(decoder.statistics.frames == 9)
    }
}
