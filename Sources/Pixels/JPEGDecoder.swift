import CJPEG
import Foundation

// MARK: - JPEGDecoder

/// Decodes JPEG files with PIL's `convert('RGB')` semantics, through libjpeg-turbo (the `CJPEG`
/// shim): libjpeg's default decode (accurate integer IDCT, fancy upsampling), which with
/// libjpeg-turbo 2.1 gives exactly the pixels of the libjpeg-turbo 3 bundled with Pillow;
/// - gray is replicated to R=G=B;
/// - CMYK and YCCK are read as Adobe-inverted CMYK and converted as PIL converts CMYK to RGB;
/// - EXIF orientation is ignored, as `Image.open` ignores it;
/// - warnings about damaged but decodable data are ignored, as PIL ignores them; running out of
///   data anywhere before the end-of-image marker is an error, as it is for PIL.
enum JPEGDecoder: FormatDecoder {
    /// Walks the markers from the start of the file to the first frame header (SOFn), reading
    /// only each marker's code and length and skipping over the segments between them.
    static func headerSize(of source: ImageBytes) throws -> (width: Int, height: Int) {
        var offset = 2  // after SOI, which the format check has seen
        while true {
            let marker = try source.bytes(at: offset, count: 4)
            guard marker.count >= 2 else { throw truncated(source) }
            if marker[0] != 0xFF || marker[1] == 0xFF || marker[1] == 0x00 {
                offset = try nextMarker(in: source, after: offset)
                continue
            }
            let code = marker[1]
            if code == 0x01 || code == 0xD8 || (0xD0...0xD7).contains(code) {
                offset += 2  // markers without a segment
                continue
            }
            if code == 0xD9 || code == 0xDA {
                throw corrupt(source, "the image data starts before any frame header (SOF)")
            }
            guard marker.count == 4 else { throw truncated(source) }
            let length = Int(marker[2]) << 8 | Int(marker[3])
            if isFrameHeader(code) {
                let frame = try source.bytes(at: offset + 4, count: 6)  // precision, height, width, components
                guard frame.count == 6 else { throw truncated(source) }
                guard length >= 8 else { throw corrupt(source, "the frame header (SOF) at byte \(offset) is \(length) bytes long") }
                let height = Int(frame[1]) << 8 | Int(frame[2])
                let width = Int(frame[3]) << 8 | Int(frame[4])
                guard width > 0, height > 0 else {
                    throw ImageDecodingError(
                        file: source.name,
                        reason: "the JPEG frame header declares \(width)x\(height) pixels; a side of 0 is not supported")
                }
                return (width, height)
            }
            guard length >= 2 else {
                throw corrupt(source, "the segment at byte \(offset) is \(length) bytes long")
            }
            offset += 2 + length
        }
    }

    static func pixels(of bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> RGBImage {
        let start = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        return try decodeThroughShim(name: name, maxPixels: maxPixels, open: { cjpeg_decoder_open(start, bytes.count, $0) },
                                     read: cjpeg_decoder_read_rgb, close: cjpeg_decoder_close)
    }

    // MARK: - Helpers

    /// Where the next marker starts after `offset`: junk bytes, stuffed zeros (0xFF 0x00) and 0xFF
    /// fill bytes are skipped, as libjpeg and PIL skip them. Reads blocks of 4 KiB.
    private static func nextMarker(in source: ImageBytes, after offset: Int) throws -> Int {
        var start = offset + 1
        while true {
            let block = try source.bytes(at: start, count: 4097)
            guard block.count >= 2 else { throw truncated(source) }
            if let i = (0 ..< block.count - 1).first(where: {
                block[$0] == 0xFF && block[$0 + 1] != 0xFF && block[$0 + 1] != 0x00
            }) {
                return start + i
            }
            start += block.count - 1
        }
    }

    /// SOF0...SOF15, except DHT (0xC4), JPG (0xC8) and DAC (0xCC), which share the range.
    private static func isFrameHeader(_ code: UInt8) -> Bool {
        (0xC0...0xCF).contains(code) && code != 0xC4 && code != 0xC8 && code != 0xCC
    }

    private static func truncated(_ source: ImageBytes) -> ImageDecodingError {
        ImageDecodingError(
            file: source.name,
            reason: "truncated JPEG data: the file ends at byte \(source.count) before the frame header (SOF)")
    }

    private static func corrupt(_ source: ImageBytes, _ what: String) -> ImageDecodingError {
        ImageDecodingError(file: source.name, reason: "corrupt JPEG data: \(what)")
    }
}
