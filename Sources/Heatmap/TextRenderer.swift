import CCairo

// MARK: - Text on a Cairo canvas, with a fallback when no font renders

/// How a piece of text looks: size in pixels (Cairo's font size, roughly the em height),
/// weight and colour.
struct TextStyle {
    var size: Double
    var bold = false
    var color = RGBColor(hex: 0x222222)
}

/// Measures and draws text with Cairo's toy font API, trying `families` in order through
/// fontconfig; if none renders (Cairo reports an error or measures "Hg" as zero width), it
/// falls back to `BitmapFont` drawn as rectangles, so a figure always gets readable labels.
final class TextRenderer {
    /// The family in use, or nil when the bitmap font is used.
    let family: String?
    private let canvas: CairoCanvas

    init(canvas: CairoCanvas, families: [String], forceBitmapFont: Bool) {
        self.canvas = canvas
        self.family = forceBitmapFont ? nil : TextRenderer.firstRenderableFamily(families)
    }

    var usesBitmapFont: Bool { family == nil }

    /// The first family that measures "Hg" with a positive advance on a scratch surface (a
    /// failing font must not put the real canvas's context into an error state).
    static func firstRenderableFamily(_ families: [String]) -> String? {
        guard let scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 4, 4) else { return nil }
        defer { cairo_surface_destroy(scratch) }
        for family in families {
            guard let cr = cairo_create(scratch) else { return nil }
            defer { cairo_destroy(cr) }
            cairo_select_font_face(cr, family, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
            cairo_set_font_size(cr, 12)
            var extents = cairo_text_extents_t()
            cairo_text_extents(cr, "Hg", &extents)
            if cairo_status(cr) == CAIRO_STATUS_SUCCESS, extents.x_advance > 0, extents.height > 0 {
                return family
            }
        }
        return nil
    }

    // MARK: - Metrics

    /// Integer pixel scale of the bitmap font for `style`: its cap height approximates a
    /// typeface's (about 0.73 em).
    private func bitmapScale(_ style: TextStyle) -> Int {
        max(1, Int((0.73 * style.size / Double(BitmapFont.capHeight)).rounded()))
    }

    private func select(_ style: TextStyle) {
        guard let family else { return }
        cairo_select_font_face(canvas.context, family, CAIRO_FONT_SLANT_NORMAL,
                               style.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(canvas.context, style.size)
    }

    /// Advance width of `text` in pixels.
    func width(_ text: String, _ style: TextStyle) -> Double {
        guard family != nil else {
            let s = bitmapScale(style)
            return Double(BitmapFont.transliterate(text).unicodeScalars.count * BitmapFont.cellWidth * s)
        }
        select(style)
        var extents = cairo_text_extents_t()
        cairo_text_extents(canvas.context, text, &extents)
        return extents.x_advance
    }

    /// Distance from the baseline to the top of capitals/ascenders, in pixels.
    func ascent(_ style: TextStyle) -> Double {
        guard family != nil else { return Double(BitmapFont.baselineRow * bitmapScale(style)) }
        select(style)
        var extents = cairo_font_extents_t()
        cairo_font_extents(canvas.context, &extents)
        return extents.ascent
    }

    /// Baseline-to-baseline distance for consecutive lines, in pixels.
    func lineHeight(_ style: TextStyle) -> Double {
        guard family != nil else { return Double((BitmapFont.cellHeight + 2) * bitmapScale(style)) }
        select(style)
        var extents = cairo_font_extents_t()
        cairo_font_extents(canvas.context, &extents)
        return max(extents.height, style.size * 1.2)
    }

    // MARK: - Drawing

    /// Draws `text` with its baseline starting at (`x`, `baseline`).
    func draw(_ text: String, x: Double, baseline: Double, _ style: TextStyle) {
        guard family != nil else {
            drawBitmap(text, x: x, baseline: baseline, style)
            return
        }
        select(style)
        canvas.setColor(style.color)
        cairo_move_to(canvas.context, x, baseline)
        cairo_show_text(canvas.context, text)
        cairo_new_path(canvas.context)
    }

    /// Draws `text` horizontally centred on `centerX`.
    func drawCentered(_ text: String, centerX: Double, baseline: Double, _ style: TextStyle) {
        draw(text, x: (centerX - width(text, style) / 2).rounded(), baseline: baseline, style)
    }

    /// Draws `text` so that it ends at `rightX`.
    func drawRightAligned(_ text: String, rightX: Double, baseline: Double, _ style: TextStyle) {
        draw(text, x: rightX - width(text, style), baseline: baseline, style)
    }

    private func drawBitmap(_ text: String, x: Double, baseline: Double, _ style: TextStyle) {
        let s = Double(bitmapScale(style))
        let top = (baseline - Double(BitmapFont.baselineRow) * s).rounded()
        var penX = x.rounded()
        canvas.setColor(style.color)
        for scalar in BitmapFont.transliterate(text).unicodeScalars {
            for (row, bits) in BitmapFont.rows(for: scalar).enumerated() where bits != 0 {
                for col in 0..<BitmapFont.cellWidth where bits & (0x80 >> UInt8(col)) != 0 {
                    cairo_rectangle(canvas.context, penX + Double(col) * s, top + Double(row) * s, s, s)
                    if style.bold {
                        cairo_rectangle(canvas.context, penX + Double(col) * s + 1, top + Double(row) * s, s, s)
                    }
                }
            }
            penX += Double(BitmapFont.cellWidth) * s
        }
        cairo_fill(canvas.context)
    }

    // MARK: - Wrapping

    /// Splits `text` into lines no wider than `maxWidth`, breaking at spaces; a word wider than
    /// `maxWidth` on its own is broken between characters. Always returns at least one line.
    func wrap(_ text: String, maxWidth: Double, _ style: TextStyle) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if width(candidate, style) <= maxWidth {
                current = candidate
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = ""
            // Break an over-long word between characters.
            var piece = ""
            for ch in word {
                if !piece.isEmpty && width(piece + String(ch), style) > maxWidth {
                    lines.append(piece)
                    piece = ""
                }
                piece.append(ch)
            }
            current = piece
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
