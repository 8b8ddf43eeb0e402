// libFuzzer harness for FuzzTarget.checkpoint (built and run by scripts/fuzz).
import FuzzEntryPoints

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.checkpoint.fuzzOneInput(data, size)
}
