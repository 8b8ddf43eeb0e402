import Autograd
import Dispatch
import DINOv2
import Foundation
import Frechet
import InceptionGraph
import Pixels
import Report
import Sensitivity

// MARK: - Phase 2: the maps of the explained images

extension ExplainRun {
    /// The layers the maps are taken at, with the distance each map is the sensitivity of:
    /// `--layer` for Inception, the last block's `norm1` for DINOv2 (dgm-eval's heatmap layer),
    /// for each network loaded, in `--backbone` order.
    func mapLayers(_ models: [LoadedModel]) -> [MapLayer] {
        models.flatMap { model -> [MapLayer] in
            switch model.network {
            case .inception: return settings.layers.map { MapLayer($0.rawValue, space: .inceptionPool3) }
            case .dinov2(let network): return [MapLayer(network.architecture.lastNorm1Layer, space: .dinov2)]
            }
        }
    }

    /// One image's maps in one space (and, for Inception, its logits) from the backward pass of
    /// its contribution to that space's distance.
    /// A DINOv2 map starts from the image's last-block tokens when phase 1 kept them.
    private func explainOne(_ image: RGBImage, model: LoadedModel, lastBlockInput: Tensor?,
                            evaluate: ([Double]) -> SampleContribution) -> (maps: ImageMaps, logits: [Float]?) {
        switch model.network {
        case .inception(let network):
            let explanation = Explainer(model: network).explain(
                pixels01: ImagePreprocessing.pixels01(of: image), layers: settings.layers, cams: settings.cams,
                pixelGradient: settings.pixelGradient, contribution: evaluate)
            return (explanation.maps, explanation.logits)
        case .dinov2(let network):
            let explainer = DINOv2Explainer(model: network)
            let explanation = lastBlockInput.map { explainer.explain(lastBlockInput: $0, contribution: evaluate) }
                ?? explainer.explain(pixels01: DINOv2Preprocessing.pixels01(of: image), contribution: evaluate)
            return (ImageMaps(sensitivity: [explanation.layer: explanation.sensitivity]), nil)
        }
    }

    /// The backward passes and maps of the explained rows in every space, one image per core at a
    /// time, each with single-threaded BLAS as in phase 1 (so an image's features are the same to
    /// the last bit whatever runs beside it). Each image's maps of all spaces go into one
    /// `ImageMaps` (keyed by layer name). A row without logits gets its Top-5 from Inception's
    /// forward pass here.
    func explain(_ ranked: RankedSet, models: LoadedModels) throws -> RankedRows {
        let positions = ranked.rows.explained
        guard !positions.isEmpty else { return ranked.rows }
        let loaded = try ranked.spaces.map { try models.model($0.backbone) }
        let progress = ProgressBar(label: "explain", quiet: quiet)
        let sources = positions.map { ranked.rows[$0].source }
        // Each explained row's place in the set, where phase 1 kept its tokens (a file listed
        // twice is the same image, so either place will do).
        let setIndex = Dictionary(ranked.paths.enumerated().map { ($1, $0) }) { first, _ in first }
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, positions.count))
        var results = [Result<(ImageMaps, logits: [Float]?, width: Int, height: Int), Error>?](
            repeating: nil, count: positions.count)
        let lock = NSLock()
        var done = 0, networkSeconds = 0.0, statisticsSeconds = 0.0, faithfulnessSeconds = 0.0
        let inception = zip(ranked.spaces, loaded).compactMap { space, model -> (space: MeasuredSpace, network: InceptionV3)? in
            guard case .inception(let network) = model.network else { return nil }
            return (space, network)
        }.first
        let started = DispatchTime.now().uptimeNanoseconds
        ComputeRuntime.withThreads(1) {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for k in stride(from: worker, to: positions.count, by: workers) {
                    var evaluateSeconds = 0.0, roadSeconds = 0.0
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let result = Result { () throws -> (ImageMaps, logits: [Float]?, width: Int, height: Int) in
                        let image = try ImageDecoder.decode(sources[k])
                        var maps = ImageMaps(sensitivity: [:])
                        var logits: [Float]?
                        for (space, model) in zip(ranked.spaces, loaded) {
                            let tokens = space.lastBlockInputs.flatMap { kept in setIndex[sources[k]].map(kept.tokens) }
                            let one = explainOne(image, model: model, lastBlockInput: tokens) { feature in
                                let t1 = DispatchTime.now().uptimeNanoseconds
                                defer { evaluateSeconds += Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9 }
                                return space.evaluator.evaluate(feature, gradient: true)
                            }
                            maps.sensitivity.merge(one.maps.sensitivity) { $1 }
                            maps.cams.merge(one.maps.cams) { $1 }
                            maps.pixelGradient = maps.pixelGradient ?? one.maps.pixelGradient
                            logits = logits ?? one.logits
                        }
                        if settings.faithfulness, let found = inception, let logits {
                            let t1 = DispatchTime.now().uptimeNanoseconds
                            defer { roadSeconds += Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9 }
                            maps.faithfulness = faithfulness(of: image, maps: maps, logits: logits, space: found.space,
                                                             network: found.network)
                        }
                        return (maps, logits, image.width, image.height)
                    }
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                    lock.lock()
                    results[k] = result
                    done += 1
                    networkSeconds += seconds - evaluateSeconds - roadSeconds
                    statisticsSeconds += evaluateSeconds
                    faithfulnessSeconds += roadSeconds
                    progress.update(done: done, total: positions.count)
                    lock.unlock()
                }
            }
        }
        // The phase's wall time, split between network, statistics and ROAD as the workers' time was.
        let wall = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let busy = max(networkSeconds + statisticsSeconds + faithfulnessSeconds, .leastNormalMagnitude)
        clock.add("network", wall * networkSeconds / busy)
        clock.add("statistics", wall * statisticsSeconds / busy)
        if settings.faithfulness { clock.add("faithfulness", wall * faithfulnessSeconds / busy) }
        var explained = ranked.rows
        for (k, position) in positions.enumerated() {
            let (maps, logits, width, height) = try results[k]!.get()
            explained[position].width = width
            explained[position].height = height
            if explained[position].top5.isEmpty, let logits { explained[position].top5 = ClassScore.top(5, logits: logits) }
            explained[position].maps = maps
        }
        return explained
    }
}
