/// The DINOv2 ViT/14 sizes fidviz runs, as torch hub's `facebookresearch/dinov2` builds
/// `dinov2_vit{s,b,l}14`: patch 14, 64-wide heads, MLP ratio 4, qkv bias, LayerScale,
/// LayerNorm eps 1e-6, exact GELU, no register tokens, position embeddings for 37 x 37 patches.
public enum DINOv2Size: String, CaseIterable, Sendable {
    case vits14, vitb14, vitl14

    /// Token width D.
    public var width: Int {
        switch self {
        case .vits14: return 384
        case .vitb14: return 768
        case .vitl14: return 1024
        }
    }

    /// The number of blocks of the published model.
    public var officialDepth: Int { self == .vitl14 ? 24 : 12 }

    /// Attention heads: D / 64.
    public var heads: Int { width / DINOv2Architecture.headWidth }

    /// "ViT-S/14", "ViT-B/14" or "ViT-L/14".
    public var displayName: String {
        switch self {
        case .vits14: return "ViT-S/14"
        case .vitb14: return "ViT-B/14"
        case .vitl14: return "ViT-L/14"
        }
    }

    /// The size of width `width`, if fidviz runs it.
    public init?(width: Int) {
        guard let size = Self.allCases.first(where: { $0.width == width }) else { return nil }
        self = size
    }
}

/// One DINOv2 network as a state dict describes it: its size and its number of blocks.
/// (The published files have `size.officialDepth` blocks; test files may have fewer.)
public struct DINOv2Architecture: Equatable, Sendable {
    public let size: DINOv2Size
    public let depth: Int

    public static let patchSize = 14
    public static let headWidth = 64
    /// Input side at which fidviz runs the network (dgm-eval's Resize((224, 224))).
    public static let inputSize = 224
    /// Patches per side at 224 x 224: 16, so 256 patch tokens and one class token.
    public static let gridSize = inputSize / patchSize
    public static let tokenCount = 1 + gridSize * gridSize
    /// Patches per side the stored position embeddings cover (img_size 518 = 37 x 14).
    public static let storedGridSize = 37
    public static let layerNormEps: Float = 1e-6

    public init(size: DINOv2Size, depth: Int) {
        precondition(depth > 0, "DINOv2Architecture: depth must be positive, got \(depth)")
        self.size = size
        self.depth = depth
    }

    public var width: Int { size.width }
    public var heads: Int { size.heads }
    public var mlpWidth: Int { 4 * size.width }

    /// The hub's module name of the layer whose output the maps use: the last block's `norm1`.
    public var lastNorm1Layer: String { "blocks.\(depth - 1).norm1" }

    /// Every state-dict key with its shape, in the order `state_dict()` lists them.
    public var parameterShapes: [(key: String, shape: [Int])] {
        let d = width, stored = 1 + Self.storedGridSize * Self.storedGridSize, p = Self.patchSize
        var list: [(key: String, shape: [Int])] = [
            ("cls_token", [1, 1, d]), ("pos_embed", [1, stored, d]), ("mask_token", [1, d]),
            ("patch_embed.proj.weight", [d, 3, p, p]), ("patch_embed.proj.bias", [d]),
        ]
        for b in 0 ..< depth {
            let prefix = "blocks.\(b)."
            list += [
                (prefix + "norm1.weight", [d]), (prefix + "norm1.bias", [d]),
                (prefix + "attn.qkv.weight", [3 * d, d]), (prefix + "attn.qkv.bias", [3 * d]),
                (prefix + "attn.proj.weight", [d, d]), (prefix + "attn.proj.bias", [d]), (prefix + "ls1.gamma", [d]),
                (prefix + "norm2.weight", [d]), (prefix + "norm2.bias", [d]),
                (prefix + "mlp.fc1.weight", [mlpWidth, d]), (prefix + "mlp.fc1.bias", [mlpWidth]),
                (prefix + "mlp.fc2.weight", [d, mlpWidth]), (prefix + "mlp.fc2.bias", [d]), (prefix + "ls2.gamma", [d]),
            ]
        }
        return list + [("norm.weight", [d]), ("norm.bias", [d])]
    }
}

// MARK: - Reading the architecture off a state dict

extension DINOv2Architecture {
    /// The architecture whose keys and shapes `shapes` (state-dict key -> shape) holds exactly:
    /// the width from `cls_token`, the depth from the `blocks.<i>.` keys.
    ///
    /// Throws `DINOv2WeightsError` for anything else, naming the first offending key: a missing
    /// key (an Inception file lacks `cls_token`; a gap in the block numbers), an unsupported
    /// width (ViT-g's 1536), an unexpected key (register tokens, SwiGLU's `mlp.w12`), a wrong shape.
    /// `source` names the file in the messages.
    public init(inferringFrom shapes: [String: [Int]], source: String) throws {
        guard let classToken = shapes["cls_token"] else {
            throw DINOv2WeightsError.missingKey(source: source, key: "cls_token",
                                                missingCount: 1, looksLikeInception: shapes["fc.weight"] != nil)
        }
        guard classToken.count == 3, classToken[0] == 1, classToken[1] == 1 else {
            throw DINOv2WeightsError.shapeMismatch(source: source, key: "cls_token", expected: "[1, 1, width]",
                                                   found: classToken)
        }
        guard let size = DINOv2Size(width: classToken[2]) else {
            throw DINOv2WeightsError.unsupportedWidth(source: source, key: "cls_token", width: classToken[2])
        }
        // Block numbers present, checked for gaps before any list of that length is built.
        let blocks = Set(shapes.keys.compactMap(Self.blockIndex)).sorted()
        for (expected, found) in blocks.enumerated() where found != expected {
            throw DINOv2WeightsError.missingKey(source: source, key: "blocks.\(expected).norm1.weight",
                                                missingCount: 1, looksLikeInception: false)
        }
        guard !blocks.isEmpty else {
            throw DINOv2WeightsError.missingKey(source: source, key: "blocks.0.norm1.weight",
                                                missingCount: 1, looksLikeInception: false)
        }
        let architecture = DINOv2Architecture(size: size, depth: blocks.count)
        let expected = architecture.parameterShapes
        let missing = expected.filter { shapes[$0.key] == nil }
        if let first = missing.first {
            throw DINOv2WeightsError.missingKey(source: source, key: first.key, missingCount: missing.count,
                                                looksLikeInception: false)
        }
        let known = Set(expected.map(\.key))
        let unexpected = shapes.keys.filter { !known.contains($0) }.sorted()
        if let first = unexpected.first {
            throw DINOv2WeightsError.unexpectedKey(source: source, key: first, unexpectedCount: unexpected.count,
                                                   size: size)
        }
        for (key, shape) in expected where shapes[key]! != shape {
            throw DINOv2WeightsError.shapeMismatch(source: source, key: key, expected: "\(shape) (\(size.displayName))",
                                                   found: shapes[key]!)
        }
        self = architecture
    }

    /// i for a key "blocks.<i>.<rest>" with i a decimal number, else nil.
    static func blockIndex(_ key: String) -> Int? {
        let parts = key.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "blocks", let index = Int(parts[1]), index >= 0 else { return nil }
        return index
    }
}
