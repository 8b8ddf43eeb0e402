import Frechet

// MARK: - Facts about the whole run

/// What a report says about the run as a whole, shown at the top of index.html and in
/// report.json.
public struct ReportSummary: Sendable {
    public var title: String
    /// The distance of the generated set from the reference statistics, in `space`.
    public var fid: Double
    /// The space the report ranks in: FID for Inception-v3, FD_DINOv2 for DINOv2.
    public var space: FeatureSpace = .inceptionPool3
    /// Number of images in the generated set.
    public var n: Int
    /// The reference as the user named it.
    public var referencePath: String
    /// Where the reference statistics came from (free text, e.g. "pytorch-fid statistics").
    public var referenceProvenance: String
    /// Hex SHA-256 of the Inception weights file; the page shows its first 16 digits. Empty
    /// when no network ran (every set given as features or statistics).
    public var weightsSHA256: String
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
        self.fid = fid
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
