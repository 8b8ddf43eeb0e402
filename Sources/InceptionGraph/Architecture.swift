import Autograd

/// One BasicConv2d of torchvision's Inception3: conv (no bias) -> batch norm (eps 1e-3) -> ReLU.
public struct ConvSpec: Equatable {
    /// State-dict prefix, e.g. "Mixed_6b.branch7x7_2".
    public let name: String
    public let inChannels: Int, outChannels: Int
    public let kernelH: Int, kernelW: Int
    public let geometry: WindowGeometry

    init(_ name: String, _ inChannels: Int, _ outChannels: Int, kernel: (Int, Int),
         stride: Int = 1, pad: (Int, Int) = (0, 0)) {
        self.name = name
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernelH = kernel.0; self.kernelW = kernel.1
        self.geometry = WindowGeometry(stride: stride, padH: pad.0, padW: pad.1)
    }
}

/// The FID Inception-v3 as pytorch-fid builds it (`fid_inception_v3`): torchvision's Inception3
/// with 1008 classes, no aux logits, and pytorch-fid's patched blocks FIDInceptionA/C/E_1/E_2.
/// This table is the single source of the parameter names and shapes.
public enum InceptionArchitecture {
    public static let classCount = 1008
    public static let featureCount = 2048
    public static let inputSize = 299

    public static let convs: [ConvSpec] = {
        var specs: [ConvSpec] = [
            ConvSpec("Conv2d_1a_3x3", 3, 32, kernel: (3, 3), stride: 2),
            ConvSpec("Conv2d_2a_3x3", 32, 32, kernel: (3, 3)),
            ConvSpec("Conv2d_2b_3x3", 32, 64, kernel: (3, 3), pad: (1, 1)),
            ConvSpec("Conv2d_3b_1x1", 64, 80, kernel: (1, 1)),
            ConvSpec("Conv2d_4a_3x3", 80, 192, kernel: (3, 3)),
        ]
        specs += inceptionA("Mixed_5b", inChannels: 192, poolFeatures: 32)
        specs += inceptionA("Mixed_5c", inChannels: 256, poolFeatures: 64)
        specs += inceptionA("Mixed_5d", inChannels: 288, poolFeatures: 64)
        specs += inceptionB("Mixed_6a", inChannels: 288)
        specs += inceptionC("Mixed_6b", channels7x7: 128)
        specs += inceptionC("Mixed_6c", channels7x7: 160)
        specs += inceptionC("Mixed_6d", channels7x7: 160)
        specs += inceptionC("Mixed_6e", channels7x7: 192)
        specs += inceptionD("Mixed_7a", inChannels: 768)
        specs += inceptionE("Mixed_7b", inChannels: 1280)
        specs += inceptionE("Mixed_7c", inChannels: 2048)
        return specs
    }()

    /// Every state-dict key with its shape, sorted by key (566 entries: 94 convs x 6 + fc).
    public static let parameterShapes: [(key: String, shape: [Int])] = {
        var list: [(key: String, shape: [Int])] = []
        for conv in convs {
            let c = conv.outChannels
            list.append(("\(conv.name).conv.weight", [c, conv.inChannels, conv.kernelH, conv.kernelW]))
            for suffix in ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"] {
                list.append(("\(conv.name).\(suffix)", [c]))
            }
            list.append(("\(conv.name).bn.num_batches_tracked", []))
        }
        list.append(("fc.weight", [classCount, featureCount]))
        list.append(("fc.bias", [classCount]))
        return list.sorted { $0.key < $1.key }
    }()

    // MARK: - Blocks

    static func inceptionA(_ p: String, inChannels: Int, poolFeatures: Int) -> [ConvSpec] {
        [ConvSpec("\(p).branch1x1", inChannels, 64, kernel: (1, 1)),
         ConvSpec("\(p).branch5x5_1", inChannels, 48, kernel: (1, 1)),
         ConvSpec("\(p).branch5x5_2", 48, 64, kernel: (5, 5), pad: (2, 2)),
         ConvSpec("\(p).branch3x3dbl_1", inChannels, 64, kernel: (1, 1)),
         ConvSpec("\(p).branch3x3dbl_2", 64, 96, kernel: (3, 3), pad: (1, 1)),
         ConvSpec("\(p).branch3x3dbl_3", 96, 96, kernel: (3, 3), pad: (1, 1)),
         ConvSpec("\(p).branch_pool", inChannels, poolFeatures, kernel: (1, 1))]
    }

    static func inceptionB(_ p: String, inChannels: Int) -> [ConvSpec] {
        [ConvSpec("\(p).branch3x3", inChannels, 384, kernel: (3, 3), stride: 2),
         ConvSpec("\(p).branch3x3dbl_1", inChannels, 64, kernel: (1, 1)),
         ConvSpec("\(p).branch3x3dbl_2", 64, 96, kernel: (3, 3), pad: (1, 1)),
         ConvSpec("\(p).branch3x3dbl_3", 96, 96, kernel: (3, 3), stride: 2)]
    }

    static func inceptionC(_ p: String, channels7x7 c7: Int) -> [ConvSpec] {
        [ConvSpec("\(p).branch1x1", 768, 192, kernel: (1, 1)),
         ConvSpec("\(p).branch7x7_1", 768, c7, kernel: (1, 1)),
         ConvSpec("\(p).branch7x7_2", c7, c7, kernel: (1, 7), pad: (0, 3)),
         ConvSpec("\(p).branch7x7_3", c7, 192, kernel: (7, 1), pad: (3, 0)),
         ConvSpec("\(p).branch7x7dbl_1", 768, c7, kernel: (1, 1)),
         ConvSpec("\(p).branch7x7dbl_2", c7, c7, kernel: (7, 1), pad: (3, 0)),
         ConvSpec("\(p).branch7x7dbl_3", c7, c7, kernel: (1, 7), pad: (0, 3)),
         ConvSpec("\(p).branch7x7dbl_4", c7, c7, kernel: (7, 1), pad: (3, 0)),
         ConvSpec("\(p).branch7x7dbl_5", c7, 192, kernel: (1, 7), pad: (0, 3)),
         ConvSpec("\(p).branch_pool", 768, 192, kernel: (1, 1))]
    }

    static func inceptionD(_ p: String, inChannels: Int) -> [ConvSpec] {
        [ConvSpec("\(p).branch3x3_1", inChannels, 192, kernel: (1, 1)),
         ConvSpec("\(p).branch3x3_2", 192, 320, kernel: (3, 3), stride: 2),
         ConvSpec("\(p).branch7x7x3_1", inChannels, 192, kernel: (1, 1)),
         ConvSpec("\(p).branch7x7x3_2", 192, 192, kernel: (1, 7), pad: (0, 3)),
         ConvSpec("\(p).branch7x7x3_3", 192, 192, kernel: (7, 1), pad: (3, 0)),
         ConvSpec("\(p).branch7x7x3_4", 192, 192, kernel: (3, 3), stride: 2)]
    }

    static func inceptionE(_ p: String, inChannels: Int) -> [ConvSpec] {
        [ConvSpec("\(p).branch1x1", inChannels, 320, kernel: (1, 1)),
         ConvSpec("\(p).branch3x3_1", inChannels, 384, kernel: (1, 1)),
         ConvSpec("\(p).branch3x3_2a", 384, 384, kernel: (1, 3), pad: (0, 1)),
         ConvSpec("\(p).branch3x3_2b", 384, 384, kernel: (3, 1), pad: (1, 0)),
         ConvSpec("\(p).branch3x3dbl_1", inChannels, 448, kernel: (1, 1)),
         ConvSpec("\(p).branch3x3dbl_2", 448, 384, kernel: (3, 3), pad: (1, 1)),
         ConvSpec("\(p).branch3x3dbl_3a", 384, 384, kernel: (1, 3), pad: (0, 1)),
         ConvSpec("\(p).branch3x3dbl_3b", 384, 384, kernel: (3, 1), pad: (1, 0)),
         ConvSpec("\(p).branch_pool", inChannels, 192, kernel: (1, 1))]
    }
}
