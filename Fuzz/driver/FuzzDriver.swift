#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's driver (compiler-rt `FuzzerInterface.h`): runs the fuzzing loop with `callback` as the
/// target. Linked in by `-sanitize=fuzzer`, which is why this module exists only in scripts/fuzz.sh builds.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The `main` of every fuzz executable: SwiftPM makes the target's main.swift the program's entry point, so
/// it hands control to libFuzzer's driver with one of the `FuzzTargets` checks as the target.
public enum FuzzDriver {
    /// The target the C callback calls (a C function pointer cannot capture it).
    nonisolated(unsafe) private static var target: ((UnsafeRawBufferPointer) -> Void)?

    public static func run(_ target: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
        FuzzDriver.target = target
        var arguments = CommandLine.argc
        var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&arguments, &vector) { data, size in
            FuzzDriver.target?(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
    }
}
