import Frechet

// MARK: - Facts about the whole run

/// The generated set's distance from the reference in one feature space.
public struct SetDistance: Sendable, Equatable {
    public var space: FeatureSpace
    public var value: Double

    public init(space: FeatureSpace, value: Double) {
        self.space = space
        self.value = value
    }
}

extension Array where Element == SetDistance {
    /// The set's distance in `space` as the divisor of a share ("ΔFID as a share of FID"): its
    /// magnitude, or nil when it is not known, zero or not finite.
    func divisor(of space: FeatureSpace) -> Double? {
        guard let value = first(where: { $0.space == space })?.value, value.isFinite, value != 0 else { return nil }
        return abs(value)
    }
}

/// The identity of one network's weights, for the summary.
public struct NetworkWeights: Sendable, Equatable {
    /// The network as people name it ("DINOv2 ViT-L/14"), and the space it measures.
    public var network: String, space: FeatureSpace
    /// Hex SHA-256 of its weights file.
    public var sha256: String

    public init(network: String, space: FeatureSpace, sha256: String) {
        (self.network, self.space, self.sha256) = (network, space, sha256)
    }
}

/// What a report says about the run as a whole, shown at the top of index.html and in
/// report.json.
public struct ReportSummary: Sendable {
    public var title: String
    /// The set's distance in each feature space of the report, the ranking space first.
    public var distances: [SetDistance]
    /// The distance of the generated set from the reference statistics, in `space`.
    public var fid: Double {
        get { distances[0].value }
        set { distances[0].value = newValue }
    }
    /// The space the report ranks in: FID for Inception-v3, FD_DINOv2 for DINOv2.
    public var space: FeatureSpace {
        get { distances[0].space }
        set { distances[0].space = newValue }
    }
    /// Number of images in the generated set.
    public var n: Int
    /// The reference as the user named it.
    public var referencePath: String
    /// Where the reference statistics came from (free text, e.g. "pytorch-fid statistics").
    public var referenceProvenance: String
    /// Hex SHA-256 of the Inception weights file; the page shows its first 16 digits. Empty
    /// when no network ran (every set given as features or statistics).
    public var weightsSHA256: String
    /// The weights of the report's further networks (a run of several backbones), after the
    /// first network's `weightsSHA256`.
    public var furtherWeights: [NetworkWeights] = []
    /// False for anything but pytorch-fid's published weights; the page then shows `warning`.
    public var weightsAreOfficial: Bool
    /// How the generated set was formed and how each image joins it.
    public var generatedSetDescription: String
    /// The warning shown when weights are not official (`HTMLReport.defaultWeightsWarning` if nil).
    public var warning: String?
    /// Further lines shown under the summary as given (escaped).
    public var notes: [String]

    public init(
        title: String = "fidviz report", fid: Double, n: Int, referencePath: String, referenceProvenance: String,
        weightsSHA256: String, weightsAreOfficial: Bool, generatedSetDescription: String,
        warning: String? = nil, notes: [String] = []
    ) {
        self.title = title
        distances = [SetDistance(space: .inceptionPool3, value: fid)]
        self.n = n
        self.referencePath = referencePath
        self.referenceProvenance = referenceProvenance
        self.weightsSHA256 = weightsSHA256
        self.weightsAreOfficial = weightsAreOfficial
        self.generatedSetDescription = generatedSetDescription
        self.warning = warning
        self.notes = notes
    }
}
