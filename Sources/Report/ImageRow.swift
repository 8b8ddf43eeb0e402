import Foundation
import Heatmap
import InceptionGraph
import Pixels
import Sensitivity

// MARK: - One image in a report

/// Everything a report says about one image: the one row type behind report.json, images.csv,
/// the HTML cards and the figure captions.
public struct ImageRow: Sendable {
    /// The file as the user named it (a relative path when it came from a folder walk).
    public var file: String
    /// Where the image can be read again, for its figure and thumbnails.
    public var source: ImagePath
    public var width: Int
    public var height: Int
    /// The five most probable classes, most probable first.
    public var top5: [ClassScore]
    /// FID of the generated set without the image.
    public var fidBefore: Double
    /// FID once the image joins it.
    public var fidAfter: Double
    /// `fidAfter - fidBefore`; positive when the image makes FID worse.
    public var deltaFID: Double
    /// The image's maps, for explained images only.
    public var maps: ImageMaps?
    /// Its figure's path relative to the report folder, once drawn.
    public var panel: String?
    /// Its pixel gradient's `.npy` path relative to the report folder, once written.
    public var pixelGradientFile: String?

    public init(file: String, source: ImagePath, width: Int, height: Int, top5: [ClassScore],
                fidBefore: Double, fidAfter: Double, deltaFID: Double, maps: ImageMaps? = nil) {
        precondition(!top5.isEmpty, "ImageRow \(file): top5 is empty")
        self.file = file
        self.source = source
        self.width = width
        self.height = height
        self.top5 = top5
        self.fidBefore = fidBefore
        self.fidAfter = fidAfter
        self.deltaFID = deltaFID
        self.maps = maps
    }

    public var top1: ClassScore { top5[0] }

    // MARK: - The one order

    /// The report's order: largest ΔFID first (the image that hurts FID most), images whose
    /// ΔFID is not finite (NaN, ±inf) last, ties by file name. Panel file names, report.json,
    /// images.csv and the HTML all list images in this order, and an image's rank is its
    /// 1-based position in it.
    public static func isWorse(_ a: ImageRow, than b: ImageRow) -> Bool {
        switch (a.deltaFID.isFinite, b.deltaFID.isFinite) {
        case (true, false): return true
        case (false, true): return false
        case (true, true) where a.deltaFID != b.deltaFID: return a.deltaFID > b.deltaFID
        default: return a.file < b.file
        }
    }

    /// `rows` in the report's order (`isWorse`).
    public static func ranked(_ rows: [ImageRow]) -> [ImageRow] {
        rows.sorted(by: isWorse)
    }

    /// Which ranked rows a report explains: `worst` are the first `top` positions (largest ΔFID
    /// first), `best` the last `best` positions with a finite ΔFID that are not already in
    /// `worst`, most negative first.
    public static func selection(_ ranked: [ImageRow], top: Int, best: Int) -> (worst: [Int], best: [Int]) {
        let worst = Array(0 ..< min(max(top, 0), ranked.count))
        let finiteCount = ranked.prefix { $0.deltaFID.isFinite }.count
        let lowest = stride(from: finiteCount - 1, through: worst.count, by: -1).prefix(max(best, 0))
        return (worst, Array(lowest))
    }

    // MARK: - Caption

    /// The figure caption: Top-1 class and probability, ΔFID with FID before → after, then the
    /// file name and size; `warning` first when set.
    public func caption(warning: String?) -> FigureCaption {
        FigureCaption(
            headline: ["Top-1: \(top1.label) (#\(top1.index))", "(p = \(NumberText.fixed(top1.probability, digits: 3)))"],
            details: ["ΔFID = \(NumberText.signed(deltaFID))",
                      "(FID \(NumberText.fixed(fidBefore, digits: 3)) → \(NumberText.fixed(fidAfter, digits: 3)))"],
            extraLines: ["\(file)  \(width)x\(height)"], warning: warning)
    }
}
