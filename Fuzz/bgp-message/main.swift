import FuzzTargets

#if canImport(Glibc)
import Glibc
#endif

// libFuzzer entry point of the `bgp-message` target (scripts/fuzz.sh); the checks live in `BGPMessageTarget`.
// SwiftPM makes this file the program's `main`, so it hands control to libFuzzer's driver.
var arguments = CommandLine.argc
var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &vector) { data, size in
    BGPMessageTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
})
