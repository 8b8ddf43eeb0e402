import Autograd
import Foundation
import InceptionGraph
import Pixels
import _SeededWeights
import TestSupport
import XCTest

/// The network with its Winograd layers (`InceptionArchitecture.winogradTiles`) against the same
/// network with every convolution as im2col + GEMM, on the golden images.
final class WinogradParityTests: XCTestCase {
    static let weights = SeededWeights.inceptionWeights(seed: 0)
    static let winograd = InceptionV3(weights: weights)
    static let direct = InceptionV3(weights: weights.withoutWinograd())
    static let stems = ["astronaut", "camera", "chelsea_crop96", "chessboard_RGB", "horse"]

    func pixels(_ stem: String) throws -> Tensor {
        ImagePreprocessing.pixels01(of: try PNGDecoder.decode(contentsOf: Fixtures.url("golden/images/\(stem).png")))
    }

    /// The table names stride-1 convolutions of the network, with tiles their kernels take.
    func testTableNamesStrideOneConvolutions() {
        XCTAssertFalse(InceptionArchitecture.winogradTiles.isEmpty, "no layer runs by Winograd")
        for (name, tile) in InceptionArchitecture.winogradTiles {
            guard let spec = InceptionArchitecture.convs.first(where: { $0.name == name }) else {
                return XCTFail("\(name) is not a convolution of the network")
            }
            XCTAssertEqual([spec.geometry.strideH, spec.geometry.strideW], [1, 1], name)
            XCTAssertTrue(spec.kernelH > 1 || tile.h == 1, name)
            XCTAssertTrue(spec.kernelW > 1 || tile.w == 1, name)
        }
    }

    func testFeaturesAndActivationsMatchTheGEMMRoute() throws {
        for stem in Self.stems {
            let input = try pixels(stem)
            let fast = Self.winograd(input, capture: [.mixed_5d, .mixed_6e, .mixed_7c])
            let reference = Self.direct(input, capture: [.mixed_5d, .mixed_6e, .mixed_7c])
            XCTAssertLessThanOrEqual(relativeError(fast.pool3.data, reference.pool3.data), 1e-5, "\(stem) pool3")
            XCTAssertLessThanOrEqual(relativeError(fast.logits.data, reference.logits.data), 1e-5, "\(stem) logits")
            for layer in InceptionLayer.allCases {
                XCTAssertLessThanOrEqual(relativeError(fast.activations[layer]!.data, reference.activations[layer]!.data),
                                         1e-5, "\(stem) \(layer)")
            }
        }
    }

    /// The pixel gradient of the pool3 features, routed by the float64 pass as `explain` routes
    /// it, so that both routes take the same ReLU and max-pool choices.
    func testPixelGradientMatchesTheGEMMRoute() throws {
        for stem in ["astronaut", "chelsea_crop96"] {
            let input = try pixels(stem)
            let routing = Routing()
            _ = Self.direct.forward64(Tensor64(shape: input.shape, data: input.data.map(Double.init), routing: routing))
            func gradient(_ model: InceptionV3) -> [Float] {
                let tape = Tape(replaying: routing)
                let x = tape.watch(input)
                let out = model(x)
                let seed = (0 ..< out.pool3.count).map { Float(($0 * 7919) % 101) / 101 - 0.5 }
                tape.backward(from: out.pool3, seed: seed)
                return x.grad!
            }
            XCTAssertLessThanOrEqual(relativeError(gradient(Self.winograd), gradient(Self.direct)), 1e-5, "\(stem) pixels")
        }
    }
}
