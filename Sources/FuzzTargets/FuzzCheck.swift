#if canImport(Glibc)
import Glibc
#endif

/// An invariant a fuzz target checks: when it does not hold, the message goes to standard error (release
/// builds drop `precondition` messages) and the process aborts, so libFuzzer saves the input.
@inline(__always)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
             file: StaticString = #fileID, line: UInt = #line) {
    guard !condition() else { return }
    var text = "fuzz check failed at \(file):\(line): \(message())\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    abort()
}
