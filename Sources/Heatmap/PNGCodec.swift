import CCairo

// MARK: - PNG bytes in memory via Cairo's stream functions

/// PNG encoding and decoding in memory (no temporary files), using Cairo's libpng-backed
/// `cairo_surface_write_to_png_stream` and `cairo_image_surface_create_from_png_stream`.
public enum PNGCodec {
    /// `pixels` as an 8-bit RGBA PNG (alpha is always 255).
    public static func encode(_ pixels: RGBPixels) throws -> [UInt8] {
        let surface = try CairoCanvas.makeSurface(pixels)
        defer { cairo_surface_destroy(surface) }
        return try encode(surface: surface, width: pixels.width, height: pixels.height)
    }

    /// Decodes PNG bytes (any bit depth and colour type libpng reads) to 8-bit RGB; pixels
    /// with partial alpha are un-premultiplied, i.e. alpha is dropped, not composited.
    public static func decode(_ bytes: [UInt8]) throws -> RGBPixels {
        let source = ByteSource(bytes)
        let raw = Unmanaged.passUnretained(source).toOpaque()
        let read: cairo_read_func_t = { closure, data, length in
            let source = Unmanaged<ByteSource>.fromOpaque(closure!).takeUnretainedValue()
            let n = Int(length)
            guard let data, source.offset + n <= source.bytes.count else { return CAIRO_STATUS_READ_ERROR }
            source.bytes.withUnsafeBufferPointer { buffer in
                data.update(from: buffer.baseAddress! + source.offset, count: n)
            }
            source.offset += n
            return CAIRO_STATUS_SUCCESS
        }
        let created = withExtendedLifetime(source) { cairo_image_surface_create_from_png_stream(read, raw) }
        guard let decoded = created else {
            throw HeatmapError.pngDecode(byteCount: bytes.count, status: "out of memory")
        }
        defer { cairo_surface_destroy(decoded) }
        let status = cairo_surface_status(decoded)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw HeatmapError.pngDecode(byteCount: bytes.count, status: cairoMessage(status))
        }
        // Normalise whatever format Cairo chose (RGB24, ARGB32, A8, ...) by painting onto ARGB32.
        let width = Int(cairo_image_surface_get_width(decoded))
        let height = Int(cairo_image_surface_get_height(decoded))
        let canvas = try CairoCanvas(width: width, height: height)
        cairo_set_operator(canvas.context, CAIRO_OPERATOR_SOURCE)
        cairo_set_source_surface(canvas.context, decoded, 0, 0)
        cairo_paint(canvas.context)
        try canvas.checkStatus("convert a decoded \(width)x\(height) PNG")
        return canvas.pixels()
    }

    /// Encodes an image surface; shared by `encode(_:)` and `CairoCanvas.pngBytes()`.
    static func encode(surface: OpaquePointer, width: Int, height: Int) throws -> [UInt8] {
        let sink = ByteSink()
        let raw = Unmanaged.passUnretained(sink).toOpaque()
        let write: cairo_write_func_t = { closure, data, length in
            let sink = Unmanaged<ByteSink>.fromOpaque(closure!).takeUnretainedValue()
            guard let data else { return CAIRO_STATUS_WRITE_ERROR }
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }
        let status = cairo_surface_write_to_png_stream(surface, write, raw)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw HeatmapError.cairo(operation: "encode a \(width)x\(height) PNG", status: cairoMessage(status))
        }
        return withExtendedLifetime(sink) { sink.bytes }
    }
}

/// Accumulates bytes from Cairo's write callback.
private final class ByteSink {
    var bytes: [UInt8] = []
}

/// Feeds bytes to Cairo's read callback.
private final class ByteSource {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }
}
