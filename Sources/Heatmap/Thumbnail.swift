import Pixels

// MARK: - Small copies of images

/// A small copy of an image for tables: the image scaled (never enlarged) so that its longer
/// side is at most `maxSide` pixels, aspect ratio kept, encoded as PNG.
public enum Thumbnail {
    public static func png(of image: RGBImage, maxSide: Int = 96) throws -> [UInt8] {
        precondition(maxSide > 0, "Thumbnail.png: maxSide must be positive, got \(maxSide)")
        let scale = min(1, Double(maxSide) / Double(max(image.width, image.height)))
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        let canvas = try CairoCanvas(width: width, height: height)
        try canvas.drawScaled(image, x: 0, y: 0, width: Double(width), height: Double(height))
        return try canvas.pngBytes()
    }
}
