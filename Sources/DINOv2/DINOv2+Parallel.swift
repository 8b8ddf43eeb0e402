import Autograd
import Dispatch
import Foundation

extension DINOv2 {
    /// Images per forward pass in `forwardInParallel`: 4 (their 4 x 257 tokens are the rows of
    /// one GEMM per layer, which packs each weight matrix once for all of them) where BLAS rounds
    /// each row alone (`ComputeRuntime.gemmRowsAreIndependent`), else 1.
    public static var imagesPerPass: Int { ComputeRuntime.gemmRowsAreIndependent ? 4 : 1 }

    /// Features of a batch [N, 3, 224, 224] (constants only, no tape), [N, D], split across
    /// cores: each worker runs its share of the images with single-threaded BLAS,
    /// `imagesPerPass` at a time. With more than one worker, each image's features are bit for
    /// bit what it gets alone with single-threaded BLAS, whatever the batch and the split (with
    /// several images per pass, as far as `ComputeRuntime.gemmRowsAreIndependent`); one worker
    /// runs with BLAS's own threads.
    public func forwardInParallel(_ pixels01: Tensor, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                                  imagesPerPass: Int = DINOv2.imagesPerPass) -> Tensor {
        forwardInParallel(pixels01, keepingLastBlockInputs: false, workers: workers, imagesPerPass: imagesPerPass)
            .features
    }

    /// `forwardInParallel(_:workers:imagesPerPass:)`, also returning, with `keepingLastBlockInputs`,
    /// the tokens that enter the last block, [N, 257, D] (`lastBlockInput(_:)`), from which `head`
    /// gives the same features again.
    public func forwardInParallel(_ pixels01: Tensor, keepingLastBlockInputs: Bool,
                                  workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                                  imagesPerPass: Int = DINOv2.imagesPerPass) -> (features: Tensor, lastBlockInputs: Tensor?) {
        precondition(!pixels01.isTracked, "forwardInParallel is for inference; use callAsFunction with a tape")
        precondition(imagesPerPass > 0, "forwardInParallel: imagesPerPass must be positive, got \(imagesPerPass)")
        let n = pixels01.shape[0], d = architecture.width, tokens = DINOv2Architecture.tokenCount
        let parts = max(1, min(workers, n))
        func run(_ images: Range<Int>) -> (features: [Float], inputs: [Float]) {
            var features: [Float] = [], inputs: [Float] = []
            features.reserveCapacity(images.count * d)
            if keepingLastBlockInputs { inputs.reserveCapacity(images.count * tokens * d) }
            for start in stride(from: images.lowerBound, to: images.upperBound, by: imagesPerPass) {
                let pass = start ..< min(start + imagesPerPass, images.upperBound)
                let x = lastBlockInput(pixels01.sliced(axis: 0, pass))
                features += head(x).features.data
                if keepingLastBlockInputs { inputs += x.data }
            }
            return (features, inputs)
        }
        func output(_ parts: [(features: [Float], inputs: [Float])]) -> (features: Tensor, lastBlockInputs: Tensor?) {
            (Tensor(shape: [n, d], data: parts.flatMap(\.features)),
             keepingLastBlockInputs ? Tensor(shape: [n, tokens, d], data: parts.flatMap(\.inputs)) : nil)
        }
        if parts == 1 {
            return output([run(0 ..< n)])
        }
        let bounds = (0 ... parts).map { $0 * n / parts }
        var results = [(features: [Float], inputs: [Float])](repeating: ([], []), count: parts)
        let lock = NSLock()
        ComputeRuntime.withThreads(1) {
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let values = run(bounds[part] ..< bounds[part + 1])
                lock.lock()
                results[part] = values
                lock.unlock()
            }
        }
        return output(results)
    }
}
