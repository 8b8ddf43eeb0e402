import Foundation

// MARK: - What a panel figure shows

/// One panel of a figure: a title and, for a heat panel, the low-resolution map drawn over
/// the image (nil draws the image itself).
public struct PanelSpec: Sendable {
    public var title: String
    public var map: ScalarMap?

    public init(title: String, map: ScalarMap? = nil) {
        self.title = title
        self.map = map
    }

    /// The plain image, titled "original".
    public static let original = PanelSpec(title: "original")

    /// "FID sensitivity (<layer>)" over `map`.
    public static func sensitivity(layer: String, map: ScalarMap) -> PanelSpec {
        PanelSpec(title: "FID sensitivity (\(layer))", map: map)
    }

    /// "Top-1 Grad-CAM (<layer>)" over `map`.
    public static func gradCAM(layer: String, map: ScalarMap) -> PanelSpec {
        PanelSpec(title: "Top-1 Grad-CAM (\(layer))", map: map)
    }
}

/// The text under (and, for `warning`, above) the panels of one image's figure.
public struct FigureCaption: Sendable {
    public var top1Label: String
    /// Softmax probability of the Top-1 class, in [0, 1].
    public var top1Probability: Double
    public var fidBefore: Double?
    public var fidAfter: Double?
    /// `fidAfter - fidBefore`: positive when adding the image makes FID worse.
    public var deltaFID: Double?
    /// Further caption lines, drawn as given (e.g. the file name and size).
    public var extraLines: [String]
    /// Drawn prominently above the panels when set, e.g. "NOT the official FID weights: ...".
    public var warning: String?

    public init(
        top1Label: String, top1Probability: Double, fidBefore: Double? = nil, fidAfter: Double? = nil,
        deltaFID: Double? = nil, extraLines: [String] = [], warning: String? = nil
    ) {
        self.top1Label = top1Label
        self.top1Probability = top1Probability
        self.fidBefore = fidBefore
        self.fidAfter = fidAfter
        self.deltaFID = deltaFID
        self.extraLines = extraLines
        self.warning = warning
    }

    /// The caption as text lines (before wrapping to the figure's width), e.g.
    /// "Top-1: tabby (p = 0.873)" and "ΔFID = +0.4623   (FID 37006.701 → 37007.163)".
    public var lines: [String] {
        var lines = ["Top-1: \(top1Label) (p = \(NumberText.fixed(top1Probability, digits: 3)))"]
        var fid: [String] = []
        if let deltaFID { fid.append("ΔFID = \(NumberText.signed(deltaFID))") }
        if let fidBefore, let fidAfter {
            fid.append("(FID \(NumberText.fixed(fidBefore, digits: 3)) → \(NumberText.fixed(fidAfter, digits: 3)))")
        } else if let fidBefore {
            fid.append("(FID \(NumberText.fixed(fidBefore, digits: 3)))")
        }
        if !fid.isEmpty { lines.append(fid.joined(separator: "   ")) }
        return lines + extraLines
    }
}

/// How figures are drawn.
public struct FigureStyle: Sendable {
    /// Colormap for heat panels and their colour bars.
    public var colormap: ColormapName
    /// Weight of the colormap against the image in the composite (the paper uses 2).
    public var heatmapWeight: Float
    /// fontconfig families tried in order.
    public var fontFamilies: [String]
    /// Skip system fonts and draw text with the built-in bitmap font (for tests and for
    /// machines whose fonts misbehave).
    public var forceBitmapFont: Bool

    public init(
        colormap: ColormapName = .parula, heatmapWeight: Float = Overlay.paperHeatmapWeight,
        fontFamilies: [String] = ["DejaVu Sans", "sans-serif"], forceBitmapFont: Bool = false
    ) {
        self.colormap = colormap
        self.heatmapWeight = heatmapWeight
        self.fontFamilies = fontFamilies
        self.forceBitmapFont = forceBitmapFont
    }
}

// MARK: - Where things ended up

/// An axis-aligned rectangle in figure pixels (origin top-left).
public struct PixelRect: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// The geometry of a rendered figure, so callers and tests can find each panel's pixels.
public struct FigureLayout: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// Where each panel's image was drawn, 1:1 at the image's own size, in panel order.
    public var panels: [PixelRect]
    /// The colour bar under each panel (nil for panels without a map).
    public var colorBars: [PixelRect?]
    /// Font size used for titles and caption, in pixels.
    public var fontSize: Double
    /// True when no system font rendered and the built-in bitmap font was used.
    public var usesBitmapFont: Bool
}

/// A figure as PNG bytes plus its layout.
public struct RenderedFigure: Sendable {
    public var png: [UInt8]
    public var layout: FigureLayout
}

// MARK: - Number formatting shared by figures and reports

enum NumberText {
    /// `x` with `digits` decimals, or "n/a" when not finite.
    static func fixed(_ x: Double, digits: Int) -> String {
        x.isFinite ? String(format: "%.\(digits)f", x) : "n/a"
    }

    /// `x` with an explicit sign and 4 significant digits ("+0.4623", "-1.25e-05").
    static func signed(_ x: Double) -> String {
        x.isFinite ? String(format: "%+.4g", x) : "n/a"
    }

    /// `x` with 3 significant digits ("0.000321", "1.2e+04"), for colour bar ticks.
    static func short(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        if x == 0 { return "0" }
        return String(format: "%.3g", x)
    }
}
