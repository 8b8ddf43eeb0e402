import Foundation

// MARK: - report.json

/// One class of a classifier's output with its softmax probability.
public struct ClassScore: Codable, Equatable, Sendable {
    public var index: Int
    public var label: String
    public var probability: Double

    public init(index: Int, label: String, probability: Double) {
        self.index = index
        self.label = label
        self.probability = probability
    }

    enum CodingKeys: String, CodingKey {
        case index, label, probability
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decode(Int.self, forKey: .index)
        label = try c.decode(String.self, forKey: .label)
        probability = try c.decodeIfPresent(Double.self, forKey: .probability) ?? .nan
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(label, forKey: .label)
        try c.encode(finiteOrNil(probability), forKey: .probability)
    }
}

/// The machine-readable report:
///
///     {"fid": 12.3, "n": 50, "gen_source": "...",
///      "images": [{"file", "width", "height", "top1": {"index", "label", "probability"},
///                  "top5": [{...} x 5], "fid_before", "fid_after", "delta_fid",
///                  "sensitivity": {"mixed_7c": [[...] x H] , ...}, "gradcam_top1": [[...]] }]}
///
/// Maps are nested row-major arrays ([H][W], top row first). Non-finite numbers (NaN, ±inf)
/// are written as `null` instead of making the encoder throw, and read back as NaN; a missing
/// Grad-CAM map is written as `null`. Keys are sorted so output is deterministic.
public struct ReportJSON: Codable, Sendable {
    public var fid: Double
    public var n: Int
    /// How the generated set was formed (a folder, a file list, ...).
    public var genSource: String
    public var images: [Image]

    public init(fid: Double, n: Int, genSource: String, images: [Image]) {
        self.fid = fid
        self.n = n
        self.genSource = genSource
        self.images = images
    }

    enum CodingKeys: String, CodingKey {
        case fid, n, images
        case genSource = "gen_source"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fid = try c.decodeIfPresent(Double.self, forKey: .fid) ?? .nan
        n = try c.decode(Int.self, forKey: .n)
        genSource = try c.decode(String.self, forKey: .genSource)
        images = try c.decode([Image].self, forKey: .images)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finiteOrNil(fid), forKey: .fid)
        try c.encode(n, forKey: .n)
        try c.encode(genSource, forKey: .genSource)
        try c.encode(images, forKey: .images)
    }

    /// UTF-8 JSON with sorted keys (and indentation when `prettyPrinted`).
    public func encoded(prettyPrinted: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = prettyPrinted
            ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    // MARK: - One image

    public struct Image: Codable, Sendable {
        public var file: String
        public var width: Int
        public var height: Int
        public var top1: ClassScore
        public var top5: [ClassScore]
        public var fidBefore: Double
        public var fidAfter: Double
        public var deltaFID: Double
        /// Layer name ("mixed_7c", "mixed_6e", ...) to its sensitivity map as [H][W] rows.
        public var sensitivity: [String: [[Float]]]
        /// Grad-CAM of the Top-1 class as [H][W] rows, nil when not computed.
        public var gradcamTop1: [[Float]]?

        public init(
            file: String, width: Int, height: Int, top1: ClassScore, top5: [ClassScore],
            fidBefore: Double, fidAfter: Double, deltaFID: Double,
            sensitivity: [String: ScalarMap], gradcamTop1: ScalarMap?
        ) {
            self.file = file
            self.width = width
            self.height = height
            self.top1 = top1
            self.top5 = top5
            self.fidBefore = fidBefore
            self.fidAfter = fidAfter
            self.deltaFID = deltaFID
            self.sensitivity = sensitivity.mapValues(\.rows)
            self.gradcamTop1 = gradcamTop1?.rows
        }

        enum CodingKeys: String, CodingKey {
            case file, width, height, top1, top5, sensitivity
            case fidBefore = "fid_before"
            case fidAfter = "fid_after"
            case deltaFID = "delta_fid"
            case gradcamTop1 = "gradcam_top1"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            file = try c.decode(String.self, forKey: .file)
            width = try c.decode(Int.self, forKey: .width)
            height = try c.decode(Int.self, forKey: .height)
            top1 = try c.decode(ClassScore.self, forKey: .top1)
            top5 = try c.decode([ClassScore].self, forKey: .top5)
            fidBefore = try c.decodeIfPresent(Double.self, forKey: .fidBefore) ?? .nan
            fidAfter = try c.decodeIfPresent(Double.self, forKey: .fidAfter) ?? .nan
            deltaFID = try c.decodeIfPresent(Double.self, forKey: .deltaFID) ?? .nan
            sensitivity = try c.decode([String: [[Float?]]].self, forKey: .sensitivity).mapValues(nanForNil)
            gradcamTop1 = try c.decodeIfPresent([[Float?]].self, forKey: .gradcamTop1).map(nanForNil)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(width, forKey: .width)
            try c.encode(height, forKey: .height)
            try c.encode(top1, forKey: .top1)
            try c.encode(top5, forKey: .top5)
            try c.encode(finiteOrNil(fidBefore), forKey: .fidBefore)
            try c.encode(finiteOrNil(fidAfter), forKey: .fidAfter)
            try c.encode(finiteOrNil(deltaFID), forKey: .deltaFID)
            try c.encode(sensitivity.mapValues(nilForNonFinite), forKey: .sensitivity)
            try c.encode(gradcamTop1.map(nilForNonFinite), forKey: .gradcamTop1)
        }
    }
}

// MARK: - Non-finite numbers as null

private func finiteOrNil(_ x: Double) -> Double? {
    x.isFinite ? x : nil
}

private func nilForNonFinite(_ rows: [[Float]]) -> [[Float?]] {
    rows.map { $0.map { $0.isFinite ? $0 : nil } }
}

private func nanForNil(_ rows: [[Float?]]) -> [[Float]] {
    rows.map { $0.map { $0 ?? .nan } }
}
