/// 128 bytes of nothing: a stored property of this type keeps a class's fields and the next heap object on
/// different cache lines, where two threads write them side by side.
struct CacheLinePadding {
    private var bytes: (SIMD64<UInt8>, SIMD64<UInt8>) = (.zero, .zero)
}
