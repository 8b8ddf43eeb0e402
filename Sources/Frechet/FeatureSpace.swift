// MARK: - The space a Fréchet distance is measured in

/// Which network's features a distance compares, and how outputs name it. Everything downstream
/// of features is generic in the dimension; the space only names the numbers.
public enum FeatureSpace: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Inception-v3 pool3, as pytorch-fid computes it: FID.
    case inceptionPool3
    /// DINOv2's class token, as dgm-eval computes it: FD_DINOv2.
    case dinov2

    /// How text, HTML and charts name the distance ("FID").
    public var name: String {
        switch self {
        case .inceptionPool3: return "FID"
        case .dinov2: return "FD_DINOv2"
        }
    }

    /// How JSON keys and CSV columns name it: "fid" gives `fid`, `fid_before`, `fid_after`,
    /// `delta_fid`.
    public var key: String {
        switch self {
        case .inceptionPool3: return "fid"
        case .dinov2: return "fd_dinov2"
        }
    }

    public var description: String { name }
}
