import Pixels

// MARK: - Heat overlay as in the paper

/// Draws a low-resolution map (sensitivity or Grad-CAM) over an image the way the paper's code
/// does (Kynkäänniemi et al., ICLR 2023, `fid_heatmaps/heatmap_utils.py`):
///
/// 1. `heat = clamp01(lanczos3(normalise(map), W x H))`: min-max normalise the map, upsample it
///    to the image's own size (see `SpatialMap.resampledLanczos3`), clamp the Lanczos
///    overshoot to [0, 1].
/// 2. `image01 = normalise(image)`: min-max over all pixels and all three channels together.
/// 3. `composite = normalise(weight * colormap(heat) + image01)` with `weight = 2`, the
///    min-max again over all pixels and channels together; then `round(255 * composite)`.
///
/// What is the same as the paper's code: the normalisations (over the whole array, channels
/// included), the heat weight 2, Lanczos-3 with PIL's centre and edge conventions, and
/// applying the colormap to the upsampled heat. What differs, deliberately: the map is kept in
/// Float through resampling (the paper quantises it to 8 bits by truncation first and PIL
/// resamples in 8 bits), colours are looked up at `round(255 * heat)` in MATLAB's parula table
/// (the paper uses OpenCV's 9-knot parula approximation), and the result is rounded rather
/// than truncated to 8 bits. A constant image or map normalises to zeros instead of NaN.
public enum Overlay {
    /// The paper's heat weight: the colormap counts twice as much as the image.
    public static let paperHeatmapWeight: Float = 2

    /// Step 1: `map` normalised, upsampled to `width` x `height` and clamped to [0, 1].
    public static func heat(from map: SpatialMap, width: Int, height: Int) -> SpatialMap {
        var up = map.normalizedMinMax().resampledLanczos3(width: width, height: height)
        for i in up.values.indices {
            up.values[i] = Swift.min(1, Swift.max(0, up.values[i]))
        }
        return up
    }

    /// Steps 2-3: the composite of `image` and a heat map of the same size.
    public static func composite(
        image: RGBImage, heat: SpatialMap, colormap: ColormapName = .parula,
        heatmapWeight: Float = paperHeatmapWeight
    ) -> RGBImage {
        precondition(heat.width == image.width && heat.height == image.height,
                     "heat is \(heat.width)x\(heat.height) but image is \(image.width)x\(image.height)")
        let table = colormap.colormap
        let imageLo = Float(image.rgb.min() ?? 0)
        let imageHi = Float(image.rgb.max() ?? 0)
        let imageScale: Float = imageHi > imageLo ? 1 / (imageHi - imageLo) : 0

        var mixed = [Float](repeating: 0, count: image.rgb.count)
        for p in 0..<(image.width * image.height) {
            let c = table.color(at: heat.values[p])
            let i = 3 * p
            mixed[i] = heatmapWeight * c.r + (Float(image.rgb[i]) - imageLo) * imageScale
            mixed[i + 1] = heatmapWeight * c.g + (Float(image.rgb[i + 1]) - imageLo) * imageScale
            mixed[i + 2] = heatmapWeight * c.b + (Float(image.rgb[i + 2]) - imageLo) * imageScale
        }
        let lo = mixed.min() ?? 0
        let hi = mixed.max() ?? 0
        let scale: Float = hi > lo ? 255 / (hi - lo) : 0
        let bytes = mixed.map { UInt8(Swift.min(255, Swift.max(0, (($0 - lo) * scale).rounded()))) }
        return RGBImage(width: image.width, height: image.height, rgb: bytes)
    }

    /// Steps 1-3 in one call: `map` (any size, e.g. 8x8) drawn over `image` at the image's size.
    public static func render(
        image: RGBImage, map: SpatialMap, colormap: ColormapName = .parula,
        heatmapWeight: Float = paperHeatmapWeight
    ) -> RGBImage {
        let heat = heat(from: map, width: image.width, height: image.height)
        return composite(image: image, heat: heat, colormap: colormap, heatmapWeight: heatmapWeight)
    }
}
