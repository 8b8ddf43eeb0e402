// MARK: - Names

/// The colormaps fidviz can draw heat with. `parula` is the default because the paper's
/// figures use it.
public enum ColormapName: String, CaseIterable, Sendable {
    case parula, viridis, inferno

    /// The 256-entry table of this colormap.
    public var colormap: Colormap { Colormap(self) }
}

/// A colour with components in [0, 1] (sRGB values as the colormap tables give them).
public struct RGBColor: Equatable, Sendable {
    public var r: Float
    public var g: Float
    public var b: Float

    /// The colour as 8-bit components, each `round(255 * c)` after clamping to [0, 1].
    public var bytes: (r: UInt8, g: UInt8, b: UInt8) {
        func byte(_ c: Float) -> UInt8 { UInt8((Swift.min(1, Swift.max(0, c)) * 255).rounded()) }
        return (byte(r), byte(g), byte(b))
    }
}

// MARK: - Tables and lookup

/// A colormap as a 256-entry lookup table; entry `i` is the colour of `t = i / 255`.
///
/// Provenance of the tables (in `ColormapTables.swift`, generated at development time):
/// - `parula`: MATLAB R2014b's published 64-entry `parula` table, linearly interpolated at
///   `linspace(1, 64, 256)` the way MATLAB's `parula(256)` does. The paper's code calls OpenCV's
///   `COLORMAP_PARULA`, which is a coarser 9-knot approximation of the same map (it differs from
///   this table by at most 22/255 per channel, 3.7/255 on average), so figures look alike but
///   are not byte-identical to the paper's.
/// - `viridis`, `inferno`: matplotlib's published 256-entry data (`_viridis_data`,
///   `_inferno_data`), unchanged.
public struct Colormap: Sendable {
    /// Number of entries in every table.
    public static let entryCount = 256

    public let name: ColormapName
    /// `entryCount` colours, low (t = 0) first.
    public let entries: [RGBColor]

    public init(_ name: ColormapName) {
        let flat: [Float]
        switch name {
        case .parula: flat = Colormap.parulaTable
        case .viridis: flat = Colormap.viridisTable
        case .inferno: flat = Colormap.infernoTable
        }
        precondition(flat.count == 3 * Colormap.entryCount,
                     "colormap table \(name) has \(flat.count) values, expected \(3 * Colormap.entryCount)")
        self.name = name
        self.entries = (0..<Colormap.entryCount).map {
            RGBColor(r: flat[3 * $0], g: flat[3 * $0 + 1], b: flat[3 * $0 + 2])
        }
    }

    /// The table index for `t`: `round(255 * t)` with `t` clamped to [0, 1]; NaN maps to 0.
    /// This is what `cv2.applyColorMap` does to an 8-bit value `round(255 * t)`.
    public static func index(for t: Float) -> Int {
        if t.isNaN { return 0 }
        let clamped = Swift.min(1, Swift.max(0, t))
        return Int((clamped * Float(entryCount - 1)).rounded())
    }

    /// The colour of `t` in [0, 1] (nearest of the 256 entries; out-of-range `t` is clamped,
    /// NaN gives the low end).
    public func color(at t: Float) -> RGBColor {
        entries[Colormap.index(for: t)]
    }
}
