import CWebP
import Foundation

// MARK: - WebPDecoder

/// Decodes WebP files (lossy, lossless, with or without alpha) with PIL's `convert('RGB')`
/// semantics, through libwebp's animation decoder, which is what Pillow decodes every WebP with:
/// - alpha is dropped without compositing (the RGB of transparent pixels is kept);
/// - an animated WebP gives its first frame, composed on the canvas as PIL composes it.
enum WebPDecoder: FormatDecoder {
    /// RIFF header (12), the first chunk's header (8) and the first 10 bytes of its payload: enough
    /// for the size in a VP8X, VP8L or VP8 header.
    static let headerByteCount = 30

    /// Reads the RIFF header and the first chunk's header (VP8X: the canvas; VP8L: the lossless
    /// image header; VP8: the key frame header).
    static func headerSize(of source: ImageBytes) throws -> (width: Int, height: Int) {
        let head = try source.prefix(headerByteCount)
        guard head.count >= 20 else { throw truncated(source.name, "the file ends at byte \(head.count), inside the RIFF header") }
        guard littleEndian(head, 4, bytes: 4) >= 12 else {
            throw corrupt(source.name, "the RIFF header declares \(littleEndian(head, 4, bytes: 4)) bytes, fewer than a chunk header")
        }
        let chunk = String(decoding: head[12..<16], as: UTF8.self)
        let needed = chunk == "VP8L" ? 25 : 30
        if ["VP8 ", "VP8L", "VP8X"].contains(chunk) && head.count < needed {
            throw truncated(source.name, "the file ends at byte \(head.count), inside the \(chunk) header")
        }
        let width: Int, height: Int
        switch chunk {
        case "VP8X":
            width = littleEndian(head, 24, bytes: 3) + 1
            height = littleEndian(head, 27, bytes: 3) + 1
        case "VP8L":
            guard head[20] == 0x2F else { throw corrupt(source.name, "the VP8L chunk lacks its signature byte 0x2f") }
            let bits = littleEndian(head, 21, bytes: 4)
            guard bits >> 29 == 0 else { throw corrupt(source.name, "the VP8L chunk has version \(bits >> 29), not 0") }
            width = (bits & 0x3FFF) + 1
            height = (bits >> 14 & 0x3FFF) + 1
        case "VP8 ":
            guard head[20] & 1 == 0 else { throw corrupt(source.name, "the VP8 chunk does not start with a key frame") }
            guard head[23..<26].elementsEqual([0x9D, 0x01, 0x2A]) else {
                throw corrupt(source.name, "the VP8 key frame lacks its start code 9d 01 2a")
            }
            width = littleEndian(head, 26, bytes: 2) & 0x3FFF
            height = littleEndian(head, 28, bytes: 2) & 0x3FFF
            guard width > 0, height > 0 else { throw corrupt(source.name, "the VP8 key frame declares \(width)x\(height) pixels") }
        default:
            throw corrupt(source.name, "the first chunk is '\(chunk)', not VP8, VP8L or VP8X")
        }
        return (width, height)
    }

    static func pixels(of bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> RGBImage {
        // The RIFF size counts the bytes after its first 8; libwebp ignores any bytes beyond them.
        let declared = littleEndian([UInt8](bytes.prefix(8)), 4, bytes: 4) + 8
        guard bytes.count >= declared else {
            throw truncated(name, "the file ends at byte \(bytes.count) but its RIFF header declares \(declared) bytes")
        }
        var data = WebPData(bytes: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), size: bytes.count)
        var options = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInit(&options) != 0 else {
            throw ImageDecodingError(file: name, reason: "the libwebp library does not match the headers fidviz was built with")
        }
        options.color_mode = MODE_RGBA  // straight, not premultiplied, alpha: RGB stays as stored
        options.use_threads = 0
        guard let decoder = WebPAnimDecoderNew(&data, &options) else {
            throw corrupt(name, "libwebp cannot read the chunks")
        }
        defer { WebPAnimDecoderDelete(decoder) }
        var info = WebPAnimInfo()
        guard WebPAnimDecoderGetInfo(decoder, &info) != 0 else { throw corrupt(name, "libwebp cannot read the chunks") }
        let width = Int(info.canvas_width), height = Int(info.canvas_height)
        return try rgbImage(width: width, height: height, name: name, maxPixels: maxPixels) { rgb in
            var canvas: UnsafeMutablePointer<UInt8>?
            var timestamp: Int32 = 0
            guard WebPAnimDecoderGetNext(decoder, &canvas, &timestamp) != 0, let canvas else {
                return corrupt(name, "libwebp cannot decode the first frame")
            }
            for pixel in 0 ..< width * height {
                rgb[pixel * 3] = canvas[pixel * 4]
                rgb[pixel * 3 + 1] = canvas[pixel * 4 + 1]
                rgb[pixel * 3 + 2] = canvas[pixel * 4 + 2]
            }
            return nil
        }
    }

    // MARK: - Helpers

    /// The unsigned little-endian number in `bytes` bytes of `head` from `offset`.
    private static func littleEndian(_ head: [UInt8], _ offset: Int, bytes: Int) -> Int {
        (0..<bytes).reversed().reduce(0) { $0 << 8 | Int(head[offset + $1]) }
    }

    private static func truncated(_ name: String, _ what: String) -> ImageDecodingError {
        ImageDecodingError(file: name, reason: "truncated WebP data: \(what)")
    }

    private static func corrupt(_ name: String, _ what: String) -> ImageDecodingError {
        ImageDecodingError(file: name, reason: "corrupt WebP data: \(what)")
    }
}
