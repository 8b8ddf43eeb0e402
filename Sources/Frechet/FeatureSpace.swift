// MARK: - The space a Fréchet distance is measured in

/// Which network's features a distance compares, and how outputs name it: "FID" for
/// Inception-v3 pool3 (what pytorch-fid computes), "FD_DINOv2" for DINOv2's class token (as
/// dgm-eval names it), "FD" for features made elsewhere. Everything downstream of features is
/// generic in the dimension; the space only names the numbers.
public struct FeatureSpace: Hashable, Sendable, CustomStringConvertible {
    /// How text, HTML and charts name the distance ("FID").
    public let name: String
    /// How JSON keys and CSV columns name it ("fid": `fid`, `fid_before`, `fid_after`, `delta_fid`).
    public let key: String

    public init(name: String, key: String) {
        self.name = name
        self.key = key
    }

    /// Inception-v3 pool3, as pytorch-fid: FID.
    public static let inceptionPool3 = FeatureSpace(name: "FID", key: "fid")

    public var description: String { name }
}
