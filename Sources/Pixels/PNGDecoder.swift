import CPNG
import Foundation
import UntrustedInput

// MARK: - PNGDecoder

/// Decodes PNG files with PIL's `convert('RGB')` semantics, through libpng (the `CPNG` shim):
/// - gray (and gray+alpha) is replicated to R=G=B; 1/2/4-bit gray is scaled by 255/(2^bits-1);
/// - alpha is dropped without compositing, palettes are expanded and tRNS is ignored;
/// - 16-bit samples keep their most significant byte (`v >> 8`). PIL does this for 16-bit RGB,
///   RGBA and gray+alpha, but clips 16-bit gray ('I;16') to 255 instead; fidviz uses the
///   most-significant-byte rule there too, as the reference data's README prescribes;
/// - Adam7 interlacing is undone; no gamma, sRGB or ICC correction is applied;
/// - image-data (IDAT) CRC mismatches are ignored, as PIL ignores them; IHDR/PLTE CRCs are checked.
public enum PNGDecoder {
    /// `Limits.current.maxImagePixels`: PIL's `Image.MAX_IMAGE_PIXELS` (1024*1024*1024 / 4 / 3),
    /// above which PIL warns of a decompression bomb, unless `FIDVIZ_MAX_IMAGE_PIXELS` says
    /// otherwise. Larger pictures are refused before any pixel memory is allocated.
    public static var defaultMaxPixels: Int { Limits.current.maxImagePixels }

    /// Reads and decodes the PNG at `url`; errors name `url.path`.
    public static func decode(contentsOf url: URL, maxPixels: Int = defaultMaxPixels) throws
        -> RGBImage
    {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw ImageDecodingError(
                file: url.path,
                reason: "cannot read the file (\(readFailureReason(error))); check the path")
        }
        return try decode(data: data, name: url.path, maxPixels: maxPixels)
    }

    /// Decodes PNG bytes held in memory; `name` only labels errors.
    ///
    /// Throws `ImageDecodingError` for a bad signature, an empty file, truncated or corrupt data,
    /// or width*height > `maxPixels` (checked from IHDR before decoding).
    public static func decode(data: Data, name: String, maxPixels: Int = defaultMaxPixels) throws
        -> RGBImage
    {
        precondition(maxPixels > 0, "maxPixels must be positive, got \(maxPixels)")
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> RGBImage in
            let bytes = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            var status = cpng_status()
            guard let decoder = cpng_decoder_open(bytes, raw.count, UInt64(maxPixels), &status)
            else {
                throw ImageDecodingError(file: name, reason: message(of: status))
            }
            defer { cpng_decoder_close(decoder) }
            if status.failed != 0 {
                throw ImageDecodingError(file: name, reason: message(of: status))
            }
            let width = Int(status.width)
            let height = Int(status.height)
            let count = width * height * 3
            let rgb = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                if cpng_decoder_read_rgb(decoder, buffer.baseAddress, &status) != 0 {
                    throw ImageDecodingError(file: name, reason: message(of: status))
                }
                initialized = count
            }
            return RGBImage(width: width, height: height, rgb: rgb)
        }
    }

    // MARK: - Header only

    /// Bytes `checkHeader` reads: the signature (8) and the IHDR chunk (4 + 4 + 13 + 4).
    public static let headerByteCount = 33

    /// Checks the start of the PNG at `url` without decoding it, and returns the size it declares.
    ///
    /// Reads only the first `headerByteCount` bytes: the signature, then IHDR, which must come
    /// first, be whole, have a correct CRC and legal fields, and declare at most `maxPixels`
    /// pixels. Throws the `ImageDecodingError` that `decode` would throw for these problems, so a
    /// broken file in a large set can be named before any work starts; damage after IHDR (a
    /// truncated or corrupt IDAT) is found only by `decode`.
    @discardableResult
    public static func checkHeader(contentsOf url: URL, maxPixels: Int = defaultMaxPixels) throws
        -> (width: Int, height: Int)
    {
        precondition(maxPixels > 0, "maxPixels must be positive, got \(maxPixels)")
        let head: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            head = try handle.read(upToCount: headerByteCount) ?? Data()
        } catch {
            throw ImageDecodingError(
                file: url.path,
                reason: "cannot read the file (\(readFailureReason(error))); check the path")
        }
        return try checkHeader(data: head, name: url.path, maxPixels: maxPixels)
    }

    /// Checks the start of PNG bytes held in memory (see `checkHeader(contentsOf:)`; only the first
    /// `headerByteCount` bytes matter); `name` only labels errors.
    @discardableResult
    public static func checkHeader(data: Data, name: String, maxPixels: Int = defaultMaxPixels) throws
        -> (width: Int, height: Int)
    {
        precondition(maxPixels > 0, "maxPixels must be positive, got \(maxPixels)")
        let head = data.prefix(headerByteCount)
        var status = cpng_status()
        let failed = head.withUnsafeBytes { raw in
            cpng_check_header(
                raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, UInt64(maxPixels),
                &status)
        }
        if failed != 0 { throw ImageDecodingError(file: name, reason: message(of: status)) }
        return (Int(status.width), Int(status.height))
    }

    // MARK: - Helpers

    private static func message(of status: cpng_status) -> String {
        withUnsafeBytes(of: status.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    private static func readFailureReason(_ error: Error) -> String {
        switch (error as? CocoaError)?.code {
        case .fileReadNoSuchFile?: return "no such file"
        case .fileReadNoPermission?: return "permission denied"
        default: return (error as NSError).localizedDescription
        }
    }
}
