import Foundation
import Pixels

// MARK: - What a panel figure shows

/// One panel of a figure: a title and, for a heat panel, the low-resolution map drawn over
/// the image (nil draws the image itself).
public struct PanelSpec: Sendable {
    public var title: String
    public var map: SpatialMap?

    public init(title: String, map: SpatialMap? = nil) {
        self.title = title
        self.map = map
    }

    /// The plain image, titled "original".
    public static let original = PanelSpec(title: "original")

    /// "<distance> sensitivity (<layer>)" over `map` ("FID sensitivity (mixed_7c)").
    public static func sensitivity(layer: String, map: SpatialMap, distance: String = "FID") -> PanelSpec {
        PanelSpec(title: "\(distance) sensitivity (\(layer))", map: map)
    }

    /// "Top-1 Grad-CAM (<layer>)" over `map`.
    public static func gradCAM(layer: String, map: SpatialMap) -> PanelSpec {
        PanelSpec(title: "Top-1 Grad-CAM (\(layer))", map: map)
    }
}

/// The caption of one image's figure, drawn inside the original panel at its bottom, in this
/// order: the warning (bold amber), the headline (bold; its chunks are kept on one row when they
/// fit), the details (chunks separated by wide spaces) and the extra lines. When the panel is
/// too small, parts shrink and go as `PanelFigureGeometry.captionRows` describes.
public struct FigureCaption: Sendable {
    /// e.g. "Top-1: tabby (#282)" and "(p = 0.873)".
    public var headline: [String]
    /// e.g. "ΔFID = +0.4623" and "(FID 37006.701 → 37007.163)".
    public var details: [String]
    /// Further lines, drawn as given (e.g. the file name and size).
    public var extraLines: [String]
    /// Drawn first and prominently when set, e.g. "NOT the official FID weights: ...".
    public var warning: String?

    public init(headline: [String], details: [String] = [], extraLines: [String] = [], warning: String? = nil) {
        self.headline = headline
        self.details = details
        self.extraLines = extraLines
        self.warning = warning
    }

    /// The caption as text lines before fitting to a panel, warning excluded.
    public var lines: [String] {
        [headline.joined(separator: " "), details.joined(separator: "   ")].filter { !$0.isEmpty } + extraLines
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
}

/// The geometry of a rendered figure, so callers and tests can find each panel's pixels.
///
/// The figure is exactly `panels.count * W` x `H` for a W x H image: panel `i` is the rect
/// (`i * W`, 0, W, H). Everything else (titles, colour bars, caption, separators) is drawn
/// inside the panels, on the bands listed here; pixels of a panel outside its bands (and, for
/// panels after the first, outside the separator column at its left edge) are the panel's
/// image or overlay exactly.
public struct FigureLayout: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// Where each panel's image was drawn, 1:1 at the image's own size, in panel order.
    public var panels: [PixelRect]
    /// The colour gradient of each heat panel's colour bar (nil for panels without a map).
    public var colorBars: [PixelRect?]
    /// The translucent band holding each colour bar and its min/max labels (nil without a map).
    public var colorBarBands: [PixelRect?]
    /// The translucent band holding each panel's title (top-left of the panel).
    public var titleBands: [PixelRect]
    /// Index of the panel carrying the caption: the first panel without a map, else panel 0.
    public var captionPanel: Int
    /// The translucent band holding the caption (bottom of `captionPanel`), nil if no row fits.
    public var captionBand: PixelRect?
    /// The caption rows as drawn (warning first), after wrapping, dropping and ellipsising.
    public var captionRows: [String]
    /// The separator line at the left edge of each panel after the first.
    public var separators: [PixelRect]
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
