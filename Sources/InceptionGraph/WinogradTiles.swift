import Autograd

extension InceptionArchitecture {
    /// The convolutions that run by Winograd's minimal filtering, with their output tiles
    /// (`ConvolutionWeights.winograd(tile:)`); every other convolution runs as im2col + GEMM.
    ///
    /// Chosen per layer by `fidviz-bench --winograd`, which times each stride-1 convolution of
    /// the network at its own input size both ways (two workers, one BLAS thread each, as a
    /// batch runs) and keeps a tile only where it was faster and within 5e-6 of the GEMM route.
    /// Where two tiles timed within the benchmark's noise, the smaller (more accurate) one is
    /// kept. The 1x7 and 7x1 convolutions of Mixed_6 and Mixed_7a run F(3, 7) (3.1e-6 to 4.8e-6,
    /// 1.4x to 1.6x alone). The 1x3, 3x1 and 3x3 convolutions of Mixed_7b/c gain up to 1.2x
    /// and 1.4x alone on their 8 x 8 maps, but nothing measurable in the whole network
    /// (`fidviz-bench --interleave-tiles`), so they stay on GEMM.
    public static let winogradTiles: [String: (h: Int, w: Int)] = [
        "Conv2d_2a_3x3": (3, 3),
        "Conv2d_2b_3x3": (4, 4),
        "Conv2d_4a_3x3": (3, 3),
        "Mixed_5b.branch5x5_2": (4, 4),
        "Mixed_5b.branch3x3dbl_2": (4, 4),
        "Mixed_5b.branch3x3dbl_3": (4, 4),
        "Mixed_5c.branch5x5_2": (4, 4),
        "Mixed_5c.branch3x3dbl_2": (4, 4),
        "Mixed_5c.branch3x3dbl_3": (4, 4),
        "Mixed_5d.branch5x5_2": (4, 4),
        "Mixed_5d.branch3x3dbl_2": (4, 4),
        "Mixed_5d.branch3x3dbl_3": (4, 4),
        "Mixed_6a.branch3x3dbl_2": (4, 4),
        "Mixed_6b.branch7x7_2": (1, 3),
        "Mixed_6b.branch7x7_3": (3, 1),
        "Mixed_6b.branch7x7dbl_2": (3, 1),
        "Mixed_6b.branch7x7dbl_3": (1, 3),
        "Mixed_6b.branch7x7dbl_4": (3, 1),
        "Mixed_6b.branch7x7dbl_5": (1, 3),
        "Mixed_6c.branch7x7_2": (1, 3),
        "Mixed_6c.branch7x7_3": (3, 1),
        "Mixed_6c.branch7x7dbl_2": (3, 1),
        "Mixed_6c.branch7x7dbl_3": (1, 3),
        "Mixed_6c.branch7x7dbl_4": (3, 1),
        "Mixed_6c.branch7x7dbl_5": (1, 3),
        "Mixed_6d.branch7x7_2": (1, 3),
        "Mixed_6d.branch7x7_3": (3, 1),
        "Mixed_6d.branch7x7dbl_2": (3, 1),
        "Mixed_6d.branch7x7dbl_3": (1, 3),
        "Mixed_6d.branch7x7dbl_4": (3, 1),
        "Mixed_6d.branch7x7dbl_5": (1, 3),
        "Mixed_6e.branch7x7_2": (1, 3),
        "Mixed_6e.branch7x7_3": (3, 1),
        "Mixed_6e.branch7x7dbl_2": (3, 1),
        "Mixed_6e.branch7x7dbl_3": (1, 3),
        "Mixed_6e.branch7x7dbl_4": (3, 1),
        "Mixed_6e.branch7x7dbl_5": (1, 3),
        "Mixed_7a.branch7x7x3_2": (1, 3),
        "Mixed_7a.branch7x7x3_3": (3, 1),
    ]
}

extension InceptionWeights {
    /// The same weights with every convolution on the im2col + GEMM route (for comparisons).
    public func withoutWinograd() -> InceptionWeights {
        InceptionWeights(self, convs: convs.mapValues { $0.winograd(tile: nil) })
    }

    /// The same weights with Winograd tiles from `tiles` (by conv name) and GEMM elsewhere.
    public func withWinograd(_ tiles: [String: (h: Int, w: Int)]) -> InceptionWeights {
        InceptionWeights(self, convs: Dictionary(uniqueKeysWithValues: convs.map { name, weights in
            (name, weights.winograd(tile: tiles[name]))
        }))
    }
}
