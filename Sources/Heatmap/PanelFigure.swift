import CCairo

// MARK: - One image's figure: original | heat panels, titles, colour bars, caption

/// Renders the per-image figure: panels side by side, each at the image's own resolution
/// (1:1, never rescaled), titled above, heat panels with a horizontal colour bar below
/// (ticks at the map's raw minimum and maximum), then the caption; an optional warning sits
/// in a red band at the top.
///
/// Sizes follow the image: the font size is `clamp(round(0.032 * height), 12, 26)` pixels and
/// margins are proportional to it, so text is legible on 96x96 and on 512x512 images. For
/// small images the text area is allowed to be wider than the panels: the figure is at least
/// `22 * fontSize` pixels wide, and a panel's slot widens to fit a word of its title.
public enum PanelFigure {
    public static func render(
        image: RGBPixels, panels: [PanelSpec], caption: FigureCaption, style: FigureStyle = FigureStyle()
    ) throws -> RenderedFigure {
        precondition(!panels.isEmpty, "PanelFigure.render needs at least one panel")
        for (i, panel) in panels.enumerated() {
            precondition(panel.map.map { $0.values.count > 0 } ?? true, "panel \(i) has an empty map")
        }
        // Text is measured on a scratch canvas first, then drawn on the real one.
        let measure = try CairoCanvas(width: 1, height: 1)
        let text = TextRenderer(canvas: measure, families: style.fontFamilies, forceBitmapFont: style.forceBitmapFont)
        let geometry = Geometry(image: image, panels: panels, caption: caption, text: text)

        let canvas = try CairoCanvas(width: geometry.width, height: geometry.height)
        let pen = TextRenderer(canvas: canvas, families: text.family.map { [$0] } ?? [], forceBitmapFont: text.usesBitmapFont)
        try draw(on: canvas, pen: pen, geometry: geometry, image: image, panels: panels, style: style)
        let layout = FigureLayout(
            width: geometry.width, height: geometry.height, panels: geometry.panelRects,
            colorBars: geometry.colorBarRects, fontSize: geometry.fontSize, usesBitmapFont: pen.usesBitmapFont)
        return RenderedFigure(png: try canvas.pngBytes(), layout: layout)
    }

    // MARK: - Drawing

    private static func draw(
        on canvas: CairoCanvas, pen: TextRenderer, geometry g: Geometry, image: RGBPixels,
        panels: [PanelSpec], style: FigureStyle
    ) throws {
        // Warning band.
        if let band = g.warningBand {
            canvas.fillRect(x: Double(band.x), y: Double(band.y), width: Double(band.width), height: Double(band.height),
                            color: RGBColor(hex: 0xFDECEA))
            canvas.strokeRect(x: Double(band.x), y: Double(band.y), width: Double(band.width), height: Double(band.height),
                              color: RGBColor(hex: 0xC62828), lineWidth: max(1, (g.fontSize / 8).rounded()))
            var top = Double(band.y) + g.padding
            for line in g.warningLines {
                pen.draw(line, x: Double(band.x) + g.padding, baseline: top + pen.ascent(g.warningStyle), g.warningStyle)
                top += pen.lineHeight(g.warningStyle)
            }
        }
        // Titles, bottom-aligned above their panels.
        for (i, lines) in g.titleLines.enumerated() {
            let rect = g.panelRects[i]
            let centerX = Double(rect.x) + Double(rect.width) / 2
            let lineHeight = pen.lineHeight(g.titleStyle)
            var top = Double(g.titleBottom) - Double(lines.count) * lineHeight
            for line in lines {
                pen.drawCentered(line, centerX: centerX, baseline: top + pen.ascent(g.titleStyle), g.titleStyle)
                top += lineHeight
            }
        }
        // Panels and colour bars.
        let colormap = style.colormap.colormap
        for (i, panel) in panels.enumerated() {
            let rect = g.panelRects[i]
            guard let map = panel.map else {
                try canvas.drawPixels(image, x: rect.x, y: rect.y)
                continue
            }
            let overlay = Overlay.render(image: image, map: map, colormap: style.colormap, heatmapWeight: style.heatmapWeight)
            try canvas.drawPixels(overlay, x: rect.x, y: rect.y)
            if let bar = g.colorBarRects[i] {
                drawColorBar(on: canvas, pen: pen, geometry: g, bar: bar, colormap: colormap, range: map.finiteRange)
            }
        }
        // Caption.
        var top = Double(g.captionTop)
        for line in g.captionLines {
            pen.draw(line, x: Double(g.margin), baseline: top + pen.ascent(g.captionStyle), g.captionStyle)
            top += pen.lineHeight(g.captionStyle)
        }
        try canvas.checkStatus("draw a \(g.width)x\(g.height) figure")
    }

    /// A horizontal bar from the colormap's low end (left) to its high end (right), outlined,
    /// with ticks at both ends and labels giving the raw map's minimum and maximum (under their
    /// ends, or stacked and centred when the bar is too narrow for both side by side).
    private static func drawColorBar(
        on canvas: CairoCanvas, pen: TextRenderer, geometry g: Geometry, bar: PixelRect,
        colormap: Colormap, range: (min: Float, max: Float)?
    ) {
        for col in 0..<bar.width {
            let t = bar.width > 1 ? Float(col) / Float(bar.width - 1) : 0
            canvas.fillRect(x: Double(bar.x + col), y: Double(bar.y), width: 1, height: Double(bar.height),
                            color: colormap.color(at: t))
        }
        let ink = RGBColor(hex: 0x444444)
        canvas.strokeRect(x: Double(bar.x), y: Double(bar.y), width: Double(bar.width), height: Double(bar.height), color: ink)
        let tickBottom = Double(bar.y + bar.height) + g.tickLength
        canvas.fillRect(x: Double(bar.x), y: Double(bar.y + bar.height), width: 1, height: g.tickLength, color: ink)
        canvas.fillRect(x: Double(bar.x + bar.width - 1), y: Double(bar.y + bar.height), width: 1, height: g.tickLength, color: ink)

        let (low, high) = g.tickLabels(range)
        let lineHeight = pen.lineHeight(g.tickStyle)
        let firstBaseline = tickBottom + pen.ascent(g.tickStyle) + 1
        if g.tickRows == 1 {
            pen.draw(low, x: Double(bar.x), baseline: firstBaseline, g.tickStyle)
            pen.drawRightAligned(high, rightX: Double(bar.x + bar.width), baseline: firstBaseline, g.tickStyle)
        } else {
            let centerX = Double(bar.x) + Double(bar.width) / 2
            pen.drawCentered(low, centerX: centerX, baseline: firstBaseline, g.tickStyle)
            pen.drawCentered(high, centerX: centerX, baseline: firstBaseline + lineHeight, g.tickStyle)
        }
    }

    // MARK: - Geometry

    /// Every size and position of the figure, computed once from the image and the text.
    private struct Geometry {
        let fontSize: Double
        let margin: Int
        let padding: Double
        let tickLength: Double
        let titleStyle: TextStyle
        let captionStyle: TextStyle
        let warningStyle: TextStyle
        let tickStyle: TextStyle
        let tickRows: Int
        let warningLines: [String]
        let warningBand: PixelRect?
        let titleLines: [[String]]
        let titleBottom: Int
        let panelRects: [PixelRect]
        let colorBarRects: [PixelRect?]
        let captionLines: [String]
        let captionTop: Int
        let width: Int
        let height: Int

        init(image: RGBPixels, panels: [PanelSpec], caption: FigureCaption, text: TextRenderer) {
            let fs = min(26, max(12, (0.032 * Double(image.height)).rounded()))
            fontSize = fs
            margin = Int(fs.rounded())
            padding = (fs * 0.5).rounded()
            tickLength = max(3, (fs * 0.3).rounded())
            let titleStyle = TextStyle(size: fs)
            let captionStyle = TextStyle(size: fs)
            let warningStyle = TextStyle(size: fs, bold: true, color: RGBColor(hex: 0xB71C1C))
            let tickStyle = TextStyle(size: (fs * 0.85).rounded(), color: RGBColor(hex: 0x444444))
            self.titleStyle = titleStyle
            self.captionStyle = captionStyle
            self.warningStyle = warningStyle
            self.tickStyle = tickStyle
            let gap = Int((fs * 1.2).rounded())

            // Tick labels need one row when both fit side by side under the bar, else two rows,
            // each centred under the bar.
            var rows = 1
            var widestTick = 0.0
            for panel in panels {
                guard let map = panel.map else { continue }
                let (low, high) = Geometry.tickLabels(map.finiteRange)
                let (lowWidth, highWidth) = (text.width(low, tickStyle), text.width(high, tickStyle))
                widestTick = max(widestTick, lowWidth, highWidth)
                if lowWidth + highWidth + fs > Double(image.width) { rows = 2 }
            }
            tickRows = rows

            // Slot widths: the image, widened to fit the longest word of its title and, when
            // tick labels are stacked, the widest of them.
            var slots: [Int] = []
            var titles: [[String]] = []
            for panel in panels {
                let longestWord = panel.title.split(separator: " ").map { text.width(String($0), titleStyle) }.max() ?? 0
                let tickRoom = panel.map != nil && rows == 2 ? widestTick : 0
                let wrapWidth = max(Double(image.width), longestWord.rounded(.up), tickRoom.rounded(.up))
                let lines = text.wrap(panel.title, maxWidth: wrapWidth, titleStyle)
                titles.append(lines)
                slots.append(Int(max(wrapWidth, lines.map { text.width($0, titleStyle) }.max() ?? 0).rounded(.up)))
            }
            titleLines = titles
            let contentWidth = slots.reduce(0, +) + gap * (slots.count - 1)
            let innerWidth = max(contentWidth, Int((22 * fs).rounded()))
            width = innerWidth + 2 * margin

            var y = margin
            // Warning band.
            if let warning = caption.warning, !warning.isEmpty {
                warningLines = text.wrap(warning, maxWidth: Double(innerWidth) - 2 * padding, warningStyle)
                let bandHeight = Int((2 * padding + Double(warningLines.count) * text.lineHeight(warningStyle)).rounded(.up))
                warningBand = PixelRect(x: margin, y: y, width: innerWidth, height: bandHeight)
                y += bandHeight + Int((fs * 0.8).rounded())
            } else {
                warningLines = []
                warningBand = nil
            }
            // Titles, then panels.
            let titleLineCount = titles.map(\.count).max() ?? 1
            y += Int((Double(titleLineCount) * text.lineHeight(titleStyle)).rounded(.up))
            titleBottom = y
            y += Int((fs * 0.3).rounded())
            var x = margin + (innerWidth - contentWidth) / 2
            var rects: [PixelRect] = []
            var bars: [PixelRect?] = []
            let barHeight = max(8, Int((fs * 0.7).rounded()))
            let barTop = y + image.height + Int(padding)
            for (i, panel) in panels.enumerated() {
                let px = x + (slots[i] - image.width) / 2
                rects.append(PixelRect(x: px, y: y, width: image.width, height: image.height))
                bars.append(panel.map == nil ? nil : PixelRect(x: px, y: barTop, width: image.width, height: barHeight))
                x += slots[i] + gap
            }
            panelRects = rects
            colorBarRects = bars
            y += image.height
            if bars.contains(where: { $0 != nil }) {
                let labels = Double(rows) * text.lineHeight(tickStyle)
                y += Int((padding + Double(barHeight) + tickLength + 1 + labels).rounded(.up))
            }
            // Caption.
            y += Int((fs * 0.8).rounded())
            captionTop = y
            captionLines = caption.lines.flatMap { text.wrap($0, maxWidth: Double(innerWidth), captionStyle) }
            y += Int((Double(captionLines.count) * text.lineHeight(captionStyle)).rounded(.up))
            height = y + margin
        }

        func tickLabels(_ range: (min: Float, max: Float)?) -> (String, String) {
            Geometry.tickLabels(range)
        }

        /// "min <value>" and "max <value>" for a map's finite range ("n/a" when none).
        static func tickLabels(_ range: (min: Float, max: Float)?) -> (String, String) {
            guard let range else { return ("min n/a", "max n/a") }
            return ("min " + NumberText.short(Double(range.min)), "max " + NumberText.short(Double(range.max)))
        }
    }
}
