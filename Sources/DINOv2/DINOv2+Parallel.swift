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
        precondition(!pixels01.isTracked, "forwardInParallel is for inference; use callAsFunction with a tape")
        precondition(imagesPerPass > 0, "forwardInParallel: imagesPerPass must be positive, got \(imagesPerPass)")
        let n = pixels01.shape[0], d = architecture.width
        let parts = max(1, min(workers, n))
        func features(_ images: Range<Int>) -> [Float] {
            var result: [Float] = []
            result.reserveCapacity(images.count * d)
            for start in stride(from: images.lowerBound, to: images.upperBound, by: imagesPerPass) {
                let pass = start ..< min(start + imagesPerPass, images.upperBound)
                result += self(pixels01.sliced(axis: 0, pass)).features.data
            }
            return result
        }
        if parts == 1 {
            return Tensor(shape: [n, d], data: features(0 ..< n))
        }
        let bounds = (0 ... parts).map { $0 * n / parts }
        var results = [[Float]](repeating: [], count: parts)
        let lock = NSLock()
        ComputeRuntime.withThreads(1) {
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let values = features(bounds[part] ..< bounds[part + 1])
                lock.lock()
                results[part] = values
                lock.unlock()
            }
        }
        return Tensor(shape: [n, d], data: results.flatMap { $0 })
    }
}
