import FuzzTargets

#if canImport(Glibc)
import Glibc
#endif

// libFuzzer entry point of the `reassembly` target (scripts/fuzz.sh); the checks live in `ReassemblyTarget`.
// SwiftPM makes this file the program's `main`, so it hands control to libFuzzer's driver.
var arguments = CommandLine.argc
var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &vector) { data, size in
    ReassemblyTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
})
