import FuzzTargets

#if canImport(Glibc)
import Glibc
#endif

// libFuzzer entry point of the `loaders` target (scripts/fuzz.sh); the checks live in `LoadersTarget`.
// SwiftPM makes this file the program's `main`, so it hands control to libFuzzer's driver.
var arguments = CommandLine.argc
var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &vector) { data, size in
    LoadersTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
})
