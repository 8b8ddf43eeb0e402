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

    /// Distance from the baseline to the bottom of descenders, in pixels.
    func descent(_ style: TextStyle) -> Double {
        guard family != nil else {
            return Double((BitmapFont.cellHeight - BitmapFont.baselineRow) * bitmapScale(style))
        }
        select(style)
        var extents = cairo_font_extents_t()
        cairo_font_extents(canvas.context, &extents)
        return extents.descent
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

    /// `text` unchanged when it fits `maxWidth`, else its longest prefix (trailing spaces
    /// dropped) followed by "…" that fits; "" when not even "…" fits. With `wholeWords` the
    /// cut falls between words, so a number is never shown cut short ("ΔFID = …", not
    /// "ΔFID = 1.2…" for 1.25e-05).
    func ellipsised(_ text: String, maxWidth: Double, _ style: TextStyle, wholeWords: Bool = false) -> String {
        if width(text, style) <= maxWidth { return text }
        let chars = Array(text)
        // Binary search for the longest prefix that fits with the ellipsis.
        var (lo, hi) = (0, chars.count)
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            let candidate = String(chars[0..<mid]).trimmingTrailingSpaces + "…"
            if width(candidate, style) <= maxWidth { lo = mid } else { hi = mid - 1 }
        }
        if wholeWords && lo < chars.count && chars[lo] != " " {
            lo = chars[0..<lo].lastIndex(of: " ") ?? 0
        }
        let result = String(chars[0..<lo]).trimmingTrailingSpaces + "…"
        return width(result, style) <= maxWidth ? result : ""
    }

    /// Lays out `chunks` (pieces of one logical line, e.g. "ΔFID = +0.46" and "(FID 12.3 → 12.8)")
    /// in at most `maxRows` rows no wider than `maxWidth`: consecutive chunks share a row,
    /// joined by `separator`, while they fit; a chunk too wide for a row is wrapped at spaces.
    /// When more rows would be needed, the last kept row takes the rest and is ellipsised
    /// (between words with `wholeWords`).
    /// `maxRows` <= 0 gives no rows.
    ///
    /// With `keepingLastChunk`, a cut keeps the last chunk whole (e.g. "(p = 0.873)") and
    /// ellipsises the text before it instead, when the last chunk fits in a row at all.
    func rows(
        _ chunks: [String], separator: String = "  ", maxWidth: Double, maxRows: Int, _ style: TextStyle,
        keepingLastChunk: Bool = false, wholeWords: Bool = false
    ) -> [String] {
        guard maxRows > 0 else { return [] }
        let chunks = chunks.filter { !$0.isEmpty }
        if keepingLastChunk, chunks.count >= 2, let tail = chunks.last {
            let all = rows(chunks, separator: separator, maxWidth: maxWidth, maxRows: Int.max, style)
            let tailWidth = width(separator + tail, style)
            if all.count > maxRows && tailWidth + 2 * width("…", style) <= maxWidth {
                var head = rows(Array(chunks.dropLast()), separator: separator, maxWidth: maxWidth, maxRows: maxRows, style)
                if head.count < maxRows { return head + [tail] }
                let last = head.removeLast()
                let shortened = ellipsised(last, maxWidth: maxWidth - tailWidth, style)
                return head + [shortened.isEmpty ? tail : shortened + separator + tail]
            }
        }
        var rows: [String] = []
        for chunk in chunks {
            if let last = rows.last, width(last + separator + chunk, style) <= maxWidth {
                rows[rows.count - 1] = last + separator + chunk
            } else if width(chunk, style) <= maxWidth {
                rows.append(chunk)
            } else {
                rows += wrap(chunk, maxWidth: maxWidth, style)
            }
        }
        guard rows.count > maxRows else { return rows }
        let rest = rows[(maxRows - 1)...].joined(separator: " ")
        return Array(rows.prefix(maxRows - 1)) + [ellipsised(rest, maxWidth: maxWidth, style, wholeWords: wholeWords)]
    }
}

private extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
