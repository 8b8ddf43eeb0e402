import CCairo
import Pixels

// MARK: - PNG bytes in memory via Cairo's stream function

/// PNG encoding in memory (no temporary files), through Cairo's libpng-backed
/// `cairo_surface_write_to_png_stream`. Decoding is `Pixels.PNGDecoder`'s.
public enum PNGCodec {
    /// `pixels` as an 8-bit RGB PNG (Cairo leaves out the alpha channel of an opaque surface).
    public static func encode(_ pixels: RGBImage) throws -> [UInt8] {
        let surface = try CairoCanvas.makeSurface(pixels)
        defer { cairo_surface_destroy(surface) }
        return try encode(surface: surface, width: pixels.width, height: pixels.height)
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
