import CPNG
import CShimStatus
import Foundation

// MARK: - PNGDecoder

/// Decodes PNG files with PIL's `convert('RGB')` semantics, through libpng (the `CPNG` shim):
/// - gray (and gray+alpha) is replicated to R=G=B; 1/2/4-bit gray is scaled by 255/(2^bits-1);
/// - alpha is dropped without compositing, palettes are expanded and tRNS is ignored;
/// - 16-bit samples keep their most significant byte (`v >> 8`). PIL does this for 16-bit RGB,
///   RGBA and gray+alpha, but clips 16-bit gray ('I;16') to 255 instead; fidviz uses the
///   most-significant-byte rule there too, as the reference data's README prescribes;
/// - Adam7 interlacing is undone; no gamma, sRGB or ICC correction is applied;
/// - image-data (IDAT) CRC mismatches are ignored, as PIL ignores them; IHDR/PLTE CRCs are checked.
///
/// `ImageDecoder` picks this decoder for files that start with PNG's signature; the entry points
/// here read a file as PNG whatever it starts with (other bytes are "not a PNG file").
public enum PNGDecoder: FormatDecoder {
    /// Reads and decodes the PNG at `url`; errors name `url.path`.
    public static func decode(contentsOf url: URL, maxPixels: Int = ImageDecoder.defaultMaxPixels) throws
        -> RGBImage
    {
        try ImageDecoder.decode(ImageBytes.contents(of: url), name: url.path, maxPixels: maxPixels, as: self)
    }

    /// Decodes PNG bytes held in memory; `name` only labels errors.
    ///
    /// Throws `ImageDecodingError` for a bad signature, an empty file, truncated or corrupt data,
    /// or width*height > `maxPixels` (checked from IHDR before decoding).
    public static func decode(data: Data, name: String, maxPixels: Int = ImageDecoder.defaultMaxPixels) throws
        -> RGBImage
    {
        try ImageDecoder.decode(data, name: name, maxPixels: maxPixels, as: self)
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
    public static func checkHeader(contentsOf url: URL, maxPixels: Int = ImageDecoder.defaultMaxPixels) throws
        -> (width: Int, height: Int)
    {
        try ImageBytes.withFile(url) { try ImageDecoder.checkHeader($0, maxPixels: maxPixels, as: self) }
    }

    // MARK: - FormatDecoder

    static func headerSize(of source: ImageBytes) throws -> (width: Int, height: Int) {
        let head = try source.prefix(headerByteCount)
        var status = shim_status()
        let failed = head.withUnsafeBufferPointer { cpng_check_header($0.baseAddress, $0.count, &status) }
        if failed != 0 { throw ImageDecodingError(file: source.name, cMessage: status.message) }
        return (Int(status.width), Int(status.height))
    }

    static func pixels(of bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> RGBImage {
        let start = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        return try decodeThroughShim(name: name, maxPixels: maxPixels, open: { cpng_decoder_open(start, bytes.count, $0) },
                                     read: cpng_decoder_read_rgb, close: cpng_decoder_close)
    }
}
