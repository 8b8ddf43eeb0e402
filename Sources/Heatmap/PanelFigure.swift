import CCairo
import Pixels

// MARK: - One image's figure: original | heat panels, with titles, colour bars and caption inside

/// Renders the per-image figure: the panels side by side, each at the image's own resolution
/// (1:1, never rescaled), so a W x H image with k panels gives a PNG of exactly k*W x H.
/// Nothing is drawn outside the panels; text sits on translucent dark rounded bands inside
/// them, legible on any image:
///
/// - each panel's title, top-left, in bold white;
/// - each heat panel's colour bar along its bottom, from the colormap's low end (left) to its
///   high end (right), labelled with the raw map's minimum and maximum;
/// - the caption at the bottom of the original panel (the first panel without a map): the
///   warning first in bold amber when set, then the Top-1 label and probability, ΔFID with the
///   FID before → after, and the caller's extra lines (e.g. the file name).
///
/// A 1-pixel (2 for images 400 pixels wide or more) white separator is drawn over the left
/// edge of every panel after the first. Text that does not fit is wrapped, then ellipsised;
/// sizes follow the image (see `PanelFigureGeometry`).
public enum PanelFigure {
    /// Opacity of the dark bands behind text.
    static let bandOpacity = 0.7

    public static func render(
        image: RGBImage, panels: [PanelSpec], caption: FigureCaption, style: FigureStyle = FigureStyle()
    ) throws -> RenderedFigure {
        precondition(!panels.isEmpty, "PanelFigure.render needs at least one panel")
        for (i, panel) in panels.enumerated() {
            precondition(panel.map.map { $0.values.count > 0 } ?? true, "panel \(i) has an empty map")
        }
        // Text is measured on a scratch canvas first, then drawn on the real one.
        let measure = try CairoCanvas(width: 1, height: 1)
        let text = TextRenderer(canvas: measure, families: style.fontFamilies, forceBitmapFont: style.forceBitmapFont)
        let geometry = PanelFigureGeometry(imageWidth: image.width, imageHeight: image.height, panels: panels,
                                           caption: caption, text: text)

        let canvas = try CairoCanvas(width: geometry.width, height: geometry.height)
        let pen = TextRenderer(canvas: canvas, families: text.family.map { [$0] } ?? [], forceBitmapFont: text.usesBitmapFont)
        try draw(on: canvas, pen: pen, geometry: geometry, image: image, panels: panels, style: style)
        let layout = FigureLayout(
            width: geometry.width, height: geometry.height, panels: geometry.panelRects,
            colorBars: geometry.colorBars, colorBarBands: geometry.colorBarBands, titleBands: geometry.titleBands,
            captionPanel: geometry.captionPanel, captionBand: geometry.captionBand,
            captionRows: geometry.captionRows.map(\.text), separators: geometry.separators,
            fontSize: geometry.fontSize, usesBitmapFont: pen.usesBitmapFont)
        return RenderedFigure(png: try canvas.pngBytes(), layout: layout)
    }

    // MARK: - Drawing

    private static func draw(
        on canvas: CairoCanvas, pen: TextRenderer, geometry g: PanelFigureGeometry, image: RGBImage,
        panels: [PanelSpec], style: FigureStyle
    ) throws {
        let colormap = style.colormap.colormap
        for (i, panel) in panels.enumerated() {
            let rect = g.panelRects[i]
            if let map = panel.map {
                let overlay = Overlay.render(image: image, map: map, colormap: style.colormap, heatmapWeight: style.heatmapWeight)
                try canvas.drawPixels(overlay, x: rect.x, y: rect.y)
            } else {
                try canvas.drawPixels(image, x: rect.x, y: rect.y)
            }
        }
        for separator in g.separators {
            canvas.fillRect(x: Double(separator.x), y: Double(separator.y), width: Double(separator.width),
                            height: Double(separator.height), color: .white)
        }
        for i in panels.indices {
            canvas.clipped(to: g.panelRects[i]) {
                drawTextBand(on: canvas, pen: pen, geometry: g, band: g.titleBands[i],
                             rows: g.titleRows[i].map { ($0, g.titleStyle) })
                if let band = g.colorBarBands[i], let bar = g.colorBars[i], let ticks = g.tickLabels[i] {
                    drawColorBar(on: canvas, pen: pen, geometry: g, band: band, bar: bar, ticks: ticks,
                                 colormap: colormap)
                }
                if i == g.captionPanel, let band = g.captionBand {
                    drawTextBand(on: canvas, pen: pen, geometry: g, band: band, rows: g.captionRows)
                }
            }
        }
        try canvas.checkStatus("draw a \(g.width)x\(g.height) figure")
    }

    /// A translucent dark rounded band with `rows` of text left-aligned inside it, clipped to it.
    private static func drawTextBand(
        on canvas: CairoCanvas, pen: TextRenderer, geometry g: PanelFigureGeometry, band: PixelRect,
        rows: [(text: String, style: TextStyle)]
    ) {
        guard band.width > 0, band.height > 0, !rows.isEmpty else { return }
        canvas.fillRoundedRect(band, radius: g.radius, color: .black, alpha: bandOpacity)
        canvas.clipped(to: band) {
            for (row, line) in rows.enumerated() {
                let baseline = g.baseline(row: row, bandTop: band.y, style: line.style, text: pen)
                pen.draw(line.text, x: Double(band.x + g.padding), baseline: baseline, line.style)
            }
        }
    }

    /// The colour bar's band, the gradient from the colormap's low end (left) to its high end
    /// (right) with a thin light outline, and the min/max labels beside or under its ends.
    private static func drawColorBar(
        on canvas: CairoCanvas, pen: TextRenderer, geometry g: PanelFigureGeometry, band: PixelRect, bar: PixelRect,
        ticks: PanelFigureGeometry.TickLabels, colormap: Colormap
    ) {
        guard band.width > 0, band.height > 0 else { return }
        canvas.fillRoundedRect(band, radius: g.radius, color: .black, alpha: bandOpacity)
        canvas.clipped(to: band) {
            if bar.width > 0 && bar.height > 0 {
                let outline = PixelRect(x: bar.x - 1, y: bar.y - 1, width: bar.width + 2, height: bar.height + 2)
                canvas.fillRoundedRect(outline, radius: 0, color: RGBColor(hex: 0xDDDDDD), alpha: 0.9)
                for col in 0..<bar.width {
                    let t = bar.width > 1 ? Float(col) / Float(bar.width - 1) : 0
                    canvas.fillRect(x: Double(bar.x + col), y: Double(bar.y), width: 1, height: Double(bar.height),
                                    color: colormap.color(at: t))
                }
            }
            let left = Double(band.x + g.padding), right = Double(band.x + band.width - g.padding)
            let textHeight = pen.ascent(g.tickStyle) + pen.descent(g.tickStyle)
            let baseline: Double
            switch ticks.placement {
            case .besideBar:
                baseline = Double(band.y + g.padding) + (Double(band.height - 2 * g.padding) - textHeight) / 2
                    + pen.ascent(g.tickStyle)
            case .underBar:
                baseline = Double(band.y + band.height - g.padding) - pen.descent(g.tickStyle)
            case .hidden:
                return
            }
            pen.draw(ticks.low, x: left, baseline: baseline, g.tickStyle)
            pen.drawRightAligned(ticks.high, rightX: right, baseline: baseline, g.tickStyle)
        }
    }
}
