import Frechet
import Pixels

// MARK: - The CAM variants people compare

/// A class-activation-map method, as pytorch-grad-cam (`pytorch_grad_cam/*.py`) computes it
/// from one layer's activation A [C, H, W] and the gradient g = d(target)/dA [C, H, W]. Sums
/// over i, j run over the H x W positions; every method ends in ReLU, as pytorch-grad-cam's
/// `BaseCAM` clips each map at 0. Everything is accumulated in Double.
public enum CAMMethod: String, CaseIterable, Sendable, Comparable {
    /// Grad-CAM (Selvaraju et al., ICCV 2017): ReLU(sum_k w_k A_k), w_k = mean_ij g_kij.
    case gradCAM = "gradcam"
    /// Grad-CAM++ (Chattopadhyay et al., WACV 2018, eq. 19):
    /// a_kij = g^2 / (2 g^2 + (sum_ab A_kab) g^3 + 1e-6), and a_kij = 0 where g_kij = 0;
    /// w_k = sum_ij ReLU(g_kij) a_kij; map ReLU(sum_k w_k A_k).
    case gradCAMPlusPlus = "gradcam++"
    /// HiResCAM (Draelos and Carin, 2020): ReLU(sum_k g_k ⊙ A_k), the element-wise product.
    case hiResCAM = "hirescam"
    /// LayerCAM (Jiang et al., IEEE TIP 2021): ReLU(sum_k ReLU(g_k) ⊙ A_k).
    case layerCAM = "layercam"
    /// XGrad-CAM (Fu et al., BMVC 2020): w_k = sum_ij g_kij A_kij / (sum_ij A_kij + 1e-7);
    /// map ReLU(sum_k w_k A_k).
    case xGradCAM = "xgradcam"
    /// EigenCAM (Muhammad and Yeasin, IJCNN 2020), no gradient: X = A as [H*W, C] rows, each
    /// channel centred over the positions; the map is ReLU(X v_1) with v_1 X's first right
    /// singular vector. X v_1 = sigma_1 u_1 is computed from the H*W x H*W Gram matrix X X^T
    /// (u_1 its top eigenvector, sigma_1^2 its eigenvalue). The SVD's sign is arbitrary (numpy
    /// takes LAPACK's); here it is chosen so that the largest magnitude is positive (flipped when
    /// |min| > |max|, pytorch-grad-cam's sign correction), so the ReLU keeps the salient side.
    case eigenCAM = "eigencam"

    /// The name people know it by.
    public var displayName: String {
        switch self {
        case .gradCAM: return "Grad-CAM"
        case .gradCAMPlusPlus: return "Grad-CAM++"
        case .hiResCAM: return "HiResCAM"
        case .layerCAM: return "LayerCAM"
        case .xGradCAM: return "XGrad-CAM"
        case .eigenCAM: return "EigenCAM"
        }
    }

    /// False for EigenCAM, whose map is the same for every target.
    public var usesGradient: Bool { self != .eigenCAM }

    public static func < (a: CAMMethod, b: CAMMethod) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The method's map from `activation` and `gradient`, both [channels, height, width]
    /// (`gradient` is not read by EigenCAM).
    public func map(activation: [Float], gradient: [Float], channels: Int, height: Int, width: Int) -> SpatialMap {
        let plane = height * width
        precondition(activation.count == channels * plane && (gradient.count == channels * plane || !usesGradient),
                     "\(rawValue): activation \(activation.count) / gradient \(gradient.count) values for "
                         + "[\(channels), \(height), \(width)]")
        switch self {
        case .gradCAM:
            return SensitivityMaps.gradCAM(activation: activation, gradient: gradient, channels: channels,
                                           height: height, width: width)
        case .gradCAMPlusPlus, .xGradCAM:
            var sum = [Double](repeating: 0, count: plane)
            for k in 0 ..< channels {
                let a = activation[k * plane ..< (k + 1) * plane].lazy.map(Double.init)
                let g = gradient[k * plane ..< (k + 1) * plane].lazy.map(Double.init)
                let activationSum = a.reduce(0, +)
                var w = 0.0
                if self == .xGradCAM {
                    w = zip(g, a).reduce(0) { $0 + $1.0 * $1.1 } / (activationSum + 1e-7)
                } else {
                    for gij in g where gij != 0 {
                        let g2 = gij * gij
                        w += max(gij, 0) * g2 / (2 * g2 + activationSum * g2 * gij + 1e-6)
                    }
                }
                if w == 0 { continue }
                for (p, aij) in a.enumerated() { sum[p] += w * aij }
            }
            return Self.rectified(sum, width: width, height: height)
        case .hiResCAM, .layerCAM:
            var sum = [Double](repeating: 0, count: plane)
            for i in 0 ..< channels * plane {
                let g = Double(gradient[i])
                sum[i % plane] += (self == .layerCAM ? max(g, 0) : g) * Double(activation[i])
            }
            return Self.rectified(sum, width: width, height: height)
        case .eigenCAM:
            return Self.rectified(Self.firstPrincipalProjection(activation, channels: channels, plane: plane),
                                  width: width, height: height)
        }
    }

    private static func rectified(_ sum: [Double], width: Int, height: Int) -> SpatialMap {
        SpatialMap(width: width, height: height, values: sum.map { Float(max($0, 0)) })
    }

    /// X v_1 over the positions (sign-corrected), X the channel-centred [plane, channels] matrix.
    static func firstPrincipalProjection(_ activation: [Float], channels: Int, plane: Int) -> [Double] {
        var centred = [Double](repeating: 0, count: channels * plane)  // [channels, plane]
        for k in 0 ..< channels {
            let row = activation[k * plane ..< (k + 1) * plane].map { $0.isNaN ? 0 : Double($0) }
            let mean = row.reduce(0, +) / Double(plane)
            for p in 0 ..< plane { centred[k * plane + p] = row[p] - mean }
        }
        var gram = [Double](repeating: 0, count: plane * plane)  // X X^T, [plane, plane]
        for k in 0 ..< channels {
            let base = k * plane
            for p in 0 ..< plane {
                let x = centred[base + p]
                if x == 0 { continue }
                for q in p ..< plane { gram[p * plane + q] += x * centred[base + q] }
            }
        }
        for p in 0 ..< plane { for q in 0 ..< p { gram[p * plane + q] = gram[q * plane + p] } }
        guard let eigen = try? SymmetricEigen(symmetric: gram, dimension: plane),
              let top = eigen.eigenvalues.last, top > 0 else {
            return [Double](repeating: 0, count: plane)
        }
        let sigma = top.squareRoot()
        var projection = (0 ..< plane).map { sigma * eigen.eigenvectors[(plane - 1) * plane + $0] }
        if abs(projection.min()!) > abs(projection.max()!) { projection = projection.map { -$0 } }
        return projection
    }
}

/// What a CAM's gradient is taken of, and what ROAD watches when it scores the map.
public enum CAMTarget: String, CaseIterable, Sendable, Comparable {
    /// The logit of the image's Top-1 ImageNet class (Inception's classifier).
    case top1 = "top1"
    /// The image's ΔFID: the gradient of FID after the image joins the set.
    case deltaFID = "delta_fid"

    public var displayName: String { self == .top1 ? "Top-1" : "ΔFID" }

    public static func < (a: CAMTarget, b: CAMTarget) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One CAM map kind: a method and its target, named `<method>_<target>` in report.json
/// (`gradcam_top1`, `hirescam_delta_fid`).
public struct CAMKind: Hashable, Sendable, Comparable {
    public let method: CAMMethod
    public let target: CAMTarget

    public init(_ method: CAMMethod, _ target: CAMTarget) {
        self.method = method
        self.target = target
    }

    /// Grad-CAM of the Top-1 logit, the map fidviz always drew.
    public static let gradCAMTop1 = CAMKind(.gradCAM, .top1)

    public var key: String { "\(method.rawValue)_\(target.rawValue)" }

    /// The kind whose `key` this is, or nil.
    public init?(key: String) {
        for method in CAMMethod.allCases {
            for target in CAMTarget.allCases where key == "\(method.rawValue)_\(target.rawValue)" {
                self.init(method, target)
                return
            }
        }
        return nil
    }

    /// "HiResCAM of ΔFID", "Top-1 Grad-CAM".
    public var title: String { target == .top1 ? "Top-1 \(method.displayName)" : "\(method.displayName) of ΔFID" }

    public static func < (a: CAMKind, b: CAMKind) -> Bool { (a.target, a.method) < (b.target, b.method) }
}
