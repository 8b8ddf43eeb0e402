import CCairo
import Pixels

// MARK: - A Cairo image surface with its drawing context

/// An ARGB32 Cairo image surface and a context drawing on it. The only place that owns Cairo
/// objects; they are released in `deinit`.
final class CairoCanvas {
    let width: Int
    let height: Int
    let surface: OpaquePointer
    let context: OpaquePointer

    /// A `width` x `height` canvas filled with opaque white.
    init(width: Int, height: Int) throws {
        precondition(width > 0 && height > 0, "CairoCanvas needs a positive size, got \(width)x\(height)")
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(clamping: width), Int32(clamping: height))
        else {
            throw HeatmapError.cairo(operation: "create a \(width)x\(height) image surface", status: "out of memory")
        }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw HeatmapError.cairo(operation: "create a \(width)x\(height) image surface", status: cairoMessage(status))
        }
        guard let context = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            throw HeatmapError.cairo(operation: "create a drawing context", status: "out of memory")
        }
        self.width = width
        self.height = height
        self.surface = surface
        self.context = context
        setColor(.white)
        cairo_paint(context)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    /// Throws if the context has entered an error state (Cairo then ignores all drawing).
    func checkStatus(_ operation: String) throws {
        let status = cairo_status(context)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw HeatmapError.cairo(operation: operation, status: cairoMessage(status))
        }
    }

    // MARK: - Shapes

    func setColor(_ c: RGBColor, alpha: Double = 1) {
        cairo_set_source_rgba(context, Double(c.r), Double(c.g), Double(c.b), alpha)
    }

    func fillRect(x: Double, y: Double, width: Double, height: Double, color: RGBColor) {
        setColor(color)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    /// A rectangle with corners rounded by `radius` (clamped to half the shorter side), filled
    /// with `color` at opacity `alpha` over what is already there. Nothing is drawn outside the
    /// rectangle; an empty rectangle draws nothing.
    func fillRoundedRect(_ rect: PixelRect, radius: Double, color: RGBColor, alpha: Double) {
        guard rect.width > 0, rect.height > 0 else { return }
        let (x, y, w, h) = (Double(rect.x), Double(rect.y), Double(rect.width), Double(rect.height))
        let r = max(0, min(radius, w / 2, h / 2))
        cairo_new_sub_path(context)
        cairo_arc(context, x + w - r, y + r, r, -Double.pi / 2, 0)
        cairo_arc(context, x + w - r, y + h - r, r, 0, Double.pi / 2)
        cairo_arc(context, x + r, y + h - r, r, Double.pi / 2, Double.pi)
        cairo_arc(context, x + r, y + r, r, Double.pi, 3 * Double.pi / 2)
        cairo_close_path(context)
        setColor(color, alpha: alpha)
        cairo_fill(context)
    }

    /// A disc of `radius` centred at (`cx`, `cy`), filled with `color` at opacity `alpha` over
    /// what is already there (antialiased edge; the centre pixel gets the full colour when
    /// `alpha` is 1 and `radius` >= 1).
    func fillCircle(cx: Double, cy: Double, radius: Double, color: RGBColor, alpha: Double = 1) {
        guard radius > 0 else { return }
        cairo_new_sub_path(context)
        cairo_arc(context, cx, cy, radius, 0, 2 * Double.pi)
        setColor(color, alpha: alpha)
        cairo_fill(context)
    }

    /// Runs `body` with drawing restricted to `rect` (Cairo's clip), restoring the previous
    /// clip afterwards.
    func clipped(to rect: PixelRect, _ body: () throws -> Void) rethrows {
        cairo_save(context)
        defer { cairo_restore(context) }
        cairo_rectangle(context, Double(rect.x), Double(rect.y), Double(max(0, rect.width)), Double(max(0, rect.height)))
        cairo_clip(context)
        try body()
    }

    /// A line through `points` (at least two), `width` pixels wide, with round joins.
    func strokePolyline(_ points: [(x: Double, y: Double)], color: RGBColor, width: Double, alpha: Double = 1) {
        guard points.count >= 2 else { return }
        cairo_new_path(context)
        cairo_move_to(context, points[0].x, points[0].y)
        for point in points.dropFirst() { cairo_line_to(context, point.x, point.y) }
        cairo_set_line_width(context, width)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        setColor(color, alpha: alpha)
        cairo_stroke(context)
    }

    /// The polygon through `points` (at least three), closed and filled at opacity `alpha`.
    func fillPolygon(_ points: [(x: Double, y: Double)], color: RGBColor, alpha: Double) {
        guard points.count >= 3 else { return }
        cairo_new_path(context)
        cairo_move_to(context, points[0].x, points[0].y)
        for point in points.dropFirst() { cairo_line_to(context, point.x, point.y) }
        cairo_close_path(context)
        setColor(color, alpha: alpha)
        cairo_fill(context)
    }

    /// A filled disc of `radius` pixels centred on (`x`, `y`).
    func fillCircle(x: Double, y: Double, radius: Double, color: RGBColor) {
        cairo_new_path(context)
        cairo_arc(context, x, y, radius, 0, 2 * Double.pi)
        setColor(color)
        cairo_fill(context)
    }

    // MARK: - Pixels

    /// Copies `pixels` onto the canvas with its top-left corner at integer (`x`, `y`), 1:1.
    func drawPixels(_ pixels: RGBImage, x: Int, y: Int) throws {
        let image = try CairoCanvas.makeSurface(pixels)
        defer { cairo_surface_destroy(image) }
        cairo_save(context)
        cairo_set_source_surface(context, image, Double(x), Double(y))
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_NEAREST)
        cairo_rectangle(context, Double(x), Double(y), Double(pixels.width), Double(pixels.height))
        cairo_fill(context)
        cairo_restore(context)
        try checkStatus("draw a \(pixels.width)x\(pixels.height) image")
    }

    /// Draws `pixels` scaled to fill `width` x `height` at (`x`, `y`), with Cairo's "good"
    /// filter (box-averaging when shrinking, so small copies do not alias).
    func drawScaled(_ pixels: RGBImage, x: Double, y: Double, width: Double, height: Double) throws {
        let image = try CairoCanvas.makeSurface(pixels)
        defer { cairo_surface_destroy(image) }
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_scale(context, width / Double(pixels.width), height / Double(pixels.height))
        cairo_set_source_surface(context, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_GOOD)
        cairo_paint(context)
        cairo_restore(context)
        try checkStatus("draw a \(pixels.width)x\(pixels.height) image at \(Int(width))x\(Int(height))")
    }

    /// An opaque ARGB32 surface holding `pixels` (caller destroys it).
    static func makeSurface(_ pixels: RGBImage) throws -> OpaquePointer {
        guard let image = cairo_image_surface_create(
            CAIRO_FORMAT_ARGB32, Int32(clamping: pixels.width), Int32(clamping: pixels.height))
        else {
            throw HeatmapError.cairo(operation: "create a \(pixels.width)x\(pixels.height) image surface",
                                     status: "out of memory")
        }
        let status = cairo_surface_status(image)
        guard status == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(image) else {
            cairo_surface_destroy(image)
            throw HeatmapError.cairo(operation: "create a \(pixels.width)x\(pixels.height) image surface",
                                     status: cairoMessage(status))
        }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        pixels.rgb.withUnsafeBufferPointer { rgb in
            for row in 0..<pixels.height {
                // ARGB32 is one native-endian UInt32 per pixel: 0xAARRGGBB.
                let line = UnsafeMutableRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
                for col in 0..<pixels.width {
                    let i = (row * pixels.width + col) * 3
                    line[col] = 0xFF00_0000 | UInt32(rgb[i]) << 16 | UInt32(rgb[i + 1]) << 8 | UInt32(rgb[i + 2])
                }
            }
        }
        cairo_surface_mark_dirty(image)
        return image
    }

    // MARK: - PNG

    /// The canvas encoded as PNG bytes.
    func pngBytes() throws -> [UInt8] {
        try checkStatus("draw the figure")
        cairo_surface_flush(surface)
        return try PNGCodec.encode(surface: surface, width: width, height: height)
    }
}

/// `cairo_status_to_string` as a Swift string.
func cairoMessage(_ status: cairo_status_t) -> String {
    guard let text = cairo_status_to_string(status) else { return "unknown Cairo status \(status.rawValue)" }
    return String(cString: text)
}

extension RGBColor {
    static let white = RGBColor(r: 1, g: 1, b: 1)
    static let black = RGBColor(r: 0, g: 0, b: 0)

    /// A colour from a 0xRRGGBB literal.
    public init(hex: UInt32) {
        self.init(r: Float((hex >> 16) & 0xFF) / 255, g: Float((hex >> 8) & 0xFF) / 255, b: Float(hex & 0xFF) / 255)
    }
}
