import Foundation

/// Reads the images fidviz accepts as `PIL.Image.open(p).convert('RGB')` would, telling formats
/// apart by their first bytes (a `.jpg` that holds a PNG is read as a PNG, as PIL does).
public enum ImageDecoder {
    /// Decodes the image at `url`; errors name `url.path`.
    public static func decode(contentsOf url: URL, maxPixels: Int = PNGDecoder.defaultMaxPixels) throws -> RGBImage {
        try PNGDecoder.decode(contentsOf: url, maxPixels: maxPixels)
    }

    /// Checks the start of the image at `url` (see `PNGDecoder.checkHeader`) and returns its size.
    @discardableResult
    public static func checkHeader(contentsOf url: URL, maxPixels: Int = PNGDecoder.defaultMaxPixels) throws
        -> (width: Int, height: Int) {
        try PNGDecoder.checkHeader(contentsOf: url, maxPixels: maxPixels)
    }

    /// File name extensions (lower case) that folder walks pick up.
    public static let fileExtensions: Set<String> = ["png"]

    /// The formats read, for messages ("PNG").
    public static let formatNames = "PNG"
}
