// MARK: - Where everything of a panel figure goes

/// Every size and position of a panel figure, computed once from the image size, the panels,
/// the caption and the text metrics. All text sits on bands inside the panels; the figure is
/// exactly `panels.count * W` x `H`.
///
/// Sizes follow the image: the font size is `clamp(round(0.04 * min(W, H)), 8, 24)` pixels;
/// bands sit `inset = round(0.4 * fontSize)` pixels from the panel edges and text
/// `padding = round(0.35 * fontSize)` pixels inside them (1 and 2 pixels for images under 64
/// pixels). On small images the bands cover a larger share of the panel and give way in
/// this order: a title takes two rows only if they fit in 30% of the height; a colour bar
/// puts its labels beside the bar ("min 0.1 ▬▬ max 0.9"), else bare numbers beside it, else
/// under it, else (when they do not fit whole or that band would pass 35% of the height)
/// shows the bar alone; the
/// caption takes the rows left between title and colour bar, dropping parts in a fixed
/// order (see `captionRows`), and is left out when not even one row fits.
struct PanelFigureGeometry {
    let fontSize: Double
    let inset: Int
    let padding: Int
    let radius: Double
    let titleStyle: TextStyle
    let tickStyle: TextStyle
    let captionStyle: TextStyle
    let width: Int
    let height: Int
    let panelRects: [PixelRect]
    let separators: [PixelRect]
    let titleRows: [[String]]
    let titleBands: [PixelRect]
    let colorBarBands: [PixelRect?]
    let colorBars: [PixelRect?]
    /// Min and max labels of each colour bar, already fitted, and where they sit.
    let tickLabels: [TickLabels?]
    let captionPanel: Int
    let captionBand: PixelRect?
    let captionRows: [(text: String, style: TextStyle)]

    /// A colour bar's end labels: beside the bar on its row, on a row under it, or none.
    struct TickLabels {
        enum Placement { case besideBar, underBar, hidden }
        var low: String
        var high: String
        var placement: Placement
    }

    /// Bold amber: the not-official-weights warning.
    static let warningColor = RGBColor(hex: 0xFFB300)
    static let textColor = RGBColor(hex: 0xFFFFFF)
    static let tickColor = RGBColor(hex: 0xEEEEEE)

    init(imageWidth w: Int, imageHeight h: Int, panels: [PanelSpec], caption: FigureCaption, text: TextRenderer) {
        let fs = min(24, max(8, (0.04 * Double(min(w, h))).rounded()))
        fontSize = fs
        let tiny = min(w, h) < 64
        let inset = tiny ? 1 : Int((0.4 * fs).rounded())
        let padding = tiny ? 2 : Int((0.35 * fs).rounded())
        self.inset = inset
        self.padding = padding
        radius = tiny ? 2 : 0.45 * fs
        let titleStyle = TextStyle(size: fs, bold: true, color: Self.textColor)
        let tickStyle = TextStyle(size: max(8, (0.8 * fs).rounded()), color: Self.tickColor)
        let captionStyle = TextStyle(size: fs, color: Self.textColor)
        self.titleStyle = titleStyle
        self.tickStyle = tickStyle
        self.captionStyle = captionStyle
        width = panels.count * w
        height = h

        let panelRects = panels.indices.map { PixelRect(x: $0 * w, y: 0, width: w, height: h) }
        self.panelRects = panelRects
        let separatorWidth = w >= 400 ? 2 : 1
        separators = panels.indices.dropFirst().map { PixelRect(x: $0 * w, y: 0, width: min(separatorWidth, w), height: h) }
        let bandWidth = w - 2 * inset
        let textWidth = Double(bandWidth - 2 * padding)

        // Titles: top-left, two rows if they fit in 30% of the height, the band as wide as its text.
        let titleMaxRows = Double(Self.bandHeight(rows: 2, style: titleStyle, padding: padding, text: text)) <= 0.3 * Double(h) ? 2 : 1
        var titleRows: [[String]] = []
        var titleBands: [PixelRect] = []
        for (i, panel) in panels.enumerated() {
            let rows = text.rows([panel.title], maxWidth: textWidth, maxRows: titleMaxRows, titleStyle)
            let widest = rows.map { text.width($0, titleStyle) }.max() ?? 0
            let band = PixelRect(x: panelRects[i].x + inset, y: inset,
                                 width: min(bandWidth, Int(widest.rounded(.up)) + 2 * padding),
                                 height: Self.bandHeight(rows: rows.count, style: titleStyle, padding: padding, text: text))
            titleRows.append(rows)
            titleBands.append(band.clamped(to: panelRects[i]))
        }
        self.titleRows = titleRows
        self.titleBands = titleBands

        // Colour bars: a band along the bottom of each heat panel.
        var bands: [PixelRect?] = []
        var bars: [PixelRect?] = []
        var ticks: [TickLabels?] = []
        let barThickness = max(3, Int((0.5 * fs).rounded()))
        let gap = max(3, Int((0.4 * fs).rounded()))
        let textHeight = text.ascent(tickStyle) + text.descent(tickStyle)
        for (i, panel) in panels.enumerated() {
            guard let map = panel.map else {
                bands.append(nil)
                bars.append(nil)
                ticks.append(nil)
                continue
            }
            let x = panelRects[i].x + inset + padding
            let range = map.finiteRange
            var placed = false
            for (low, high) in [Self.tickLabels(range, named: true), Self.tickLabels(range, named: false)] {
                // [min] ▬▬▬ [max] on one row.
                let (lowWidth, highWidth) = (text.width(low, tickStyle).rounded(.up), text.width(high, tickStyle).rounded(.up))
                guard lowWidth + highWidth + Double(2 * gap) + max(16, 3 * fs) <= textWidth else { continue }
                let contentHeight = Int(max(textHeight, Double(barThickness)).rounded(.up))
                let band = PixelRect(x: panelRects[i].x + inset, y: h - inset - contentHeight - 2 * padding,
                                     width: bandWidth, height: contentHeight + 2 * padding)
                let baseline = Double(band.y + padding) + (Double(contentHeight) - textHeight) / 2 + text.ascent(tickStyle)
                let barCentre = baseline - 0.36 * tickStyle.size
                bars.append(PixelRect(x: x + Int(lowWidth) + gap, y: Int((barCentre - Double(barThickness) / 2).rounded()),
                                      width: Int(textWidth - lowWidth - highWidth) - 2 * gap, height: barThickness))
                bands.append(band)
                ticks.append(TickLabels(low: low, high: high, placement: .besideBar))
                placed = true
                break
            }
            if !placed {
                // The bar across, bare numbers under its two ends (or nothing when there is no room).
                let underHeight = barThickness + gap / 2 + Int(textHeight.rounded(.up))
                // A number cut short would mislead ("3.3…" for 3.35e-09): labels show whole or not at all.
                let (low, high) = Self.tickLabels(range, named: false)
                let fits = text.width(low, tickStyle) + text.width(high, tickStyle) + Double(gap) <= textWidth
                let labelled = fits && Double(underHeight + 2 * padding) <= 0.35 * Double(h)
                let contentHeight = labelled ? underHeight : barThickness
                let band = PixelRect(x: panelRects[i].x + inset, y: h - inset - contentHeight - 2 * padding,
                                     width: bandWidth, height: contentHeight + 2 * padding)
                bars.append(PixelRect(x: x, y: band.y + padding, width: max(0, Int(textWidth)), height: barThickness))
                bands.append(band)
                ticks.append(TickLabels(low: low, high: high, placement: labelled ? .underBar : .hidden))
            }
        }
        let clampedBands = bands.enumerated().map { i, band in band?.clamped(to: panelRects[i]) }
        colorBarBands = clampedBands
        colorBars = bars.enumerated().map { i, bar in bar?.clamped(to: clampedBands[i] ?? panelRects[i]) }
        tickLabels = ticks

        // Caption: bottom-left of the first plain panel, above its colour bar if it has one.
        let captionPanel = panels.firstIndex { $0.map == nil } ?? 0
        self.captionPanel = captionPanel
        let bottom = (clampedBands[captionPanel].map { $0.y } ?? h) - inset
        let top = titleBands[captionPanel].y + titleBands[captionPanel].height + inset
        let lineHeight = text.lineHeight(captionStyle)
        let firstRow = Double(2 * padding) + text.ascent(captionStyle) + text.descent(captionStyle)
        let fitting = Double(bottom - top) >= firstRow
            ? Int(((Double(bottom - top) - firstRow) / lineHeight).rounded(.down)) + 1 : 0
        let rows = Self.captionRows(caption, maxWidth: textWidth, maxRows: fitting, style: captionStyle, text: text)
        captionRows = rows
        if rows.isEmpty {
            captionBand = nil
        } else {
            let widest = rows.map { text.width($0.text, $0.style) }.max() ?? 0
            let bandHeight = Self.bandHeight(rows: rows.count, style: captionStyle, padding: padding, text: text)
            let band = PixelRect(x: panelRects[captionPanel].x + inset, y: bottom - bandHeight,
                                 width: min(bandWidth, Int(widest.rounded(.up)) + 2 * padding), height: bandHeight)
            captionBand = band.clamped(to: panelRects[captionPanel])
        }
    }

    /// Height of a band holding `rows` rows of `style`: padding, the first row's ascent and
    /// descent, one line height per further row, padding.
    static func bandHeight(rows: Int, style: TextStyle, padding: Int, text: TextRenderer) -> Int {
        let block = text.ascent(style) + text.descent(style) + Double(max(0, rows - 1)) * text.lineHeight(style)
        return Int(block.rounded(.up)) + 2 * padding
    }

    /// Baseline of row `row` in a band whose top is `top`.
    func baseline(row: Int, bandTop: Int, style: TextStyle, text: TextRenderer) -> Double {
        Double(bandTop + padding) + text.ascent(style) + Double(row) * text.lineHeight(style)
    }

    /// The map's finite minimum and maximum as "min <value>" and "max <value>" (`named`) or
    /// bare numbers; "n/a" when no value is finite.
    static func tickLabels(_ range: (min: Float, max: Float)?, named: Bool) -> (String, String) {
        let low = range.map { NumberText.short(Double($0.min)) } ?? "n/a"
        let high = range.map { NumberText.short(Double($0.max)) } ?? "n/a"
        return named ? ("min " + low, "max " + high) : (low, high)
    }

    // MARK: - Caption rows

    /// How many rows each part of the caption may use.
    private struct CaptionBudget {
        var warning = 3
        var top1 = 2
        var fid = 2
        var extras: Int
    }

    /// The caption as rows no wider than `maxWidth`, at most `maxRows` of them, in the order
    /// warning, Top-1, ΔFID and FID, extra lines. When everything does not fit, the caption
    /// shrinks step by step until it does: extra lines go (last first), the warning shrinks to
    /// two rows, the FID and Top-1 parts to one row each, the warning to one row, the FID part
    /// goes, and (when there is a warning) the Top-1 part goes. A part cut short ends in "…".
    static func captionRows(
        _ caption: FigureCaption, maxWidth: Double, maxRows: Int, style: TextStyle, text: TextRenderer
    ) -> [(text: String, style: TextStyle)] {
        let warning = caption.warning.flatMap { $0.isEmpty ? nil : $0 }
        var budget = CaptionBudget(extras: caption.extraLines.count)
        var budgets = [budget]
        while budget.extras > 0 {
            budget.extras -= 1
            budgets.append(budget)
        }
        for step in 0..<5 {
            switch step {
            case 0: budget.warning = 2
            case 1: budget.fid = 1
            case 2: budget.top1 = 1
            case 3: budget.warning = 1
            default: budget.fid = 0
            }
            budgets.append(budget)
        }
        if warning != nil {
            budget.top1 = 0
            budgets.append(budget)
        }

        let warningStyle = TextStyle(size: style.size, bold: true, color: warningColor)
        let top1Style = TextStyle(size: style.size, bold: true, color: style.color)
        var rows: [(text: String, style: TextStyle)] = []
        for budget in budgets {
            rows = []
            if let warning {
                rows += text.rows([warning], maxWidth: maxWidth, maxRows: budget.warning, warningStyle, wholeWords: true)
                    .map { ($0, warningStyle) }
            }
            rows += text.rows(caption.headline, separator: " ", maxWidth: maxWidth, maxRows: budget.top1, top1Style,
                              keepingLastChunk: true).map { ($0, top1Style) }
            rows += text.rows(caption.details, separator: "   ", maxWidth: maxWidth, maxRows: budget.fid, style,
                              wholeWords: true).map { ($0, style) }
            for line in caption.extraLines.prefix(budget.extras) {
                rows += text.rows([line], maxWidth: maxWidth, maxRows: 1, style).map { ($0, style) }
            }
            if rows.count <= maxRows { return rows.filter { !$0.text.isEmpty } }
        }
        return Array(rows.prefix(maxRows)).filter { !$0.text.isEmpty }
    }
}

extension PixelRect {
    /// This rectangle cut to `bounds` (zero width or height when they do not meet).
    func clamped(to bounds: PixelRect) -> PixelRect {
        let left = max(x, bounds.x), top = max(y, bounds.y)
        let right = min(x + width, bounds.x + bounds.width), bottom = min(y + height, bounds.y + bounds.height)
        return PixelRect(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top))
    }

    /// True when the pixel (`px`, `py`) lies inside.
    func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < x + width && py >= y && py < y + height
    }
}
