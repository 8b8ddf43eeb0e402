// The one file that calls zlib: CRC-32, raw inflate and raw deflate. zlib counts in 32-bit
// lengths, so buffers are handed over in pieces of at most 1 GiB.

import CZlib

// MARK: - CRC-32

/// The CRC-32 of zip, PNG and gzip (reflected polynomial 0xEDB88320, initial and final XOR
/// 0xFFFFFFFF): `checksum("123456789") == 0xCBF43926`, and 0 for no bytes.
public enum CRC32 {
    /// The CRC-32 of `bytes`; pass an earlier result as `crc` to continue it over more bytes.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return UInt32(truncatingIfNeeded: crc32_z(UInt(crc), base.assumingMemoryBound(to: Bytef.self), bytes.count))
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }
}

// MARK: - Inflate

enum Inflation: Equatable {
    /// The stream ended having filled the output exactly.
    case complete
    /// The stream had more to give than the output holds; inflating stopped there.
    case overrun
    /// The stream ended after `produced` bytes, short of the output's size.
    case short(produced: Int)
    /// The input ran out before the stream's final block ended.
    case truncated
    case corrupt(String)
}

/// Inflates the raw deflate stream `input` into `output`, stopping as soon as the stream would
/// write past `output.count` bytes: nothing beyond the output is ever produced.
func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Inflation {
    var stream = z_stream()
    guard fidviz_inflate_init_raw(&stream) == Z_OK else { return .corrupt("cannot start inflating") }
    defer { inflateEnd(&stream) }
    // One byte past the output catches a stream that goes on: producing it means "too much".
    var spare: UInt8 = 0
    return withUnsafeMutableBytes(of: &spare) { spare -> Inflation in
        var fed = 0, given = 0, spareGiven = false
        while true {
            feed(&stream, from: input, fed: &fed)
            if !giveRoom(&stream, in: output, given: &given) {
                guard !spareGiven else { return .overrun }
                stream.next_out = spare.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = 1
                spareGiven = true
            }
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            let produced = Int(stream.total_out)
            if produced > output.count { return .overrun }
            switch status {
            case Z_OK: continue
            case Z_STREAM_END: return produced == output.count ? .complete : .short(produced: produced)
            case Z_BUF_ERROR: return .truncated  // no progress possible: the input is used up
            default: return .corrupt(stream.msg.map { String(cString: $0) } ?? "status \(status)")
            }
        }
    }
}

// MARK: - Deflate

/// `input` as a raw deflate stream at zlib's default level (what `np.savez_compressed` uses).
func deflate(_ input: UnsafeRawBufferPointer) -> [UInt8] {
    var stream = z_stream()
    precondition(fidviz_deflate_init_raw(&stream, Z_DEFAULT_COMPRESSION) == Z_OK, "zlib cannot start deflating")
    defer { deflateEnd(&stream) }
    // deflateBound is for one call; each further piece may add a few bytes of block overhead.
    let bound = Int(deflateBound(&stream, uLong(input.count))) + 64 * (input.count / zlibPiece + 1)
    return [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
        let output = UnsafeMutableRawBufferPointer(buffer)
        var fed = 0, given = 0
        while true {
            feed(&stream, from: input, fed: &fed)
            precondition(giveRoom(&stream, in: output, given: &given), "deflate outgrew deflateBound")
            let finishing = fed == input.count && stream.avail_in == 0
            let status = CZlib.deflate(&stream, finishing ? Z_FINISH : Z_NO_FLUSH)
            if status == Z_STREAM_END { break }
            precondition(status == Z_OK || status == Z_BUF_ERROR, "zlib deflate failed with status \(status)")
        }
        count = Int(stream.total_out)
    }
}

// MARK: - Pieces

/// The most bytes handed to zlib in one piece (its lengths are 32-bit).
private let zlibPiece = 1 << 30

/// Once `stream` has used up its input, points it at the next piece of `input` (if any);
/// `fed` counts the bytes of `input` handed over so far.
private func feed(_ stream: inout z_stream, from input: UnsafeRawBufferPointer, fed: inout Int) {
    guard stream.avail_in == 0, fed < input.count else { return }
    stream.next_in = input.baseAddress!.advanced(by: fed).assumingMemoryBound(to: Bytef.self)
    stream.avail_in = uInt(min(input.count - fed, zlibPiece))
    fed += Int(stream.avail_in)
}

/// Whether `stream` has room to write: once it has filled its output, points it at the next
/// piece of `output`, returning false when none is left; `given` counts the bytes handed over.
private func giveRoom(_ stream: inout z_stream, in output: UnsafeMutableRawBufferPointer, given: inout Int) -> Bool {
    guard stream.avail_out == 0 else { return true }
    guard given < output.count else { return false }
    stream.next_out = output.baseAddress!.advanced(by: given).assumingMemoryBound(to: Bytef.self)
    stream.avail_out = uInt(min(output.count - given, zlibPiece))
    given += Int(stream.avail_out)
    return true
}
