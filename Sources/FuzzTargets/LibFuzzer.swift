/// libFuzzer's driver (compiler-rt `FuzzerInterface.h`): runs the fuzzing loop with `callback` as the
/// target. Linked in by `-sanitize=fuzzer`; only the Fuzz/ executables call it.
@_silgen_name("LLVMFuzzerRunDriver")
public func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
