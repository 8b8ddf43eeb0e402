/// Records ops on tracked tensors and replays them backwards (reverse-mode autodiff).
///
/// Each op computes its output and appends one record holding a closure that maps the output
/// gradient to input gradients, keeping only what the backward needs. Records are appended in
/// execution order, so walking them in reverse is a topological order: no recursion needed.
/// Gradients accumulate (`+=`), so a tensor used twice receives both contributions.
/// Weights are constants: they are captured by the closures and never receive gradients.
public final class Tape {
    struct Record {
        let output: Tensor
        let inputs: [Tensor]
        /// Maps d/d(output) to d/d(input_i); nil for an input that needs nothing.
        let backward: ([Float]) -> [[Float]?]
    }

    var records: [Record] = []
    /// Routing to replay (see `Tape(replaying:)`) and the index of the next decision to take.
    let replay: Routing?
    private var replayed = 0

    public init() {
        replay = nil
    }

    /// A tape whose tracked `relu` and `maxPool2d` ops take, in call order, the decisions logged
    /// by a `Tensor64` forward pass, for their forward value and their backward alike.
    public init(replaying routing: Routing) {
        replay = routing
    }

    /// The next recorded decision when replaying, else nil; traps when the log runs out.
    func nextDecision(for op: String, shape: [Int]) -> RoutingDecision? {
        guard let replay else { return nil }
        precondition(replayed < replay.decisions.count,
                     "\(op) \(shape): routing log has only \(replay.decisions.count) decisions")
        defer { replayed += 1 }
        return replay.decisions[replayed]
    }

    /// Starts tracking `value`: the returned tensor shares its data and keeps its gradient.
    public func watch(_ value: Tensor) -> Tensor {
        Tensor(shape: value.shape, data: value.data, tape: self, creator: nil, retainsGrad: true)
    }

    /// Output of an op on `inputs`: tracked and recorded if any input is tracked, else a constant.
    func record(shape: [Int], data: [Float], inputs: [Tensor],
                backward: @escaping ([Float]) -> [[Float]?]) -> Tensor {
        let output = Tensor(shape: shape, data: data, tape: self, creator: records.count)
        records.append(Record(output: output, inputs: inputs, backward: backward))
        return output
    }

    /// Back-propagates `seed` = d(objective)/d(output) to every tracked tensor the output depends on.
    ///
    /// Gradients from any earlier pass are cleared first. Intermediate gradients are dropped once
    /// used unless the tensor `retainsGrad`. If `stopAt` is given, the walk ends once `stopAt` has
    /// its gradient: the record that produced it and older ones are skipped.
    public func backward(from output: Tensor, seed: [Float], stopAt: Tensor? = nil) {
        precondition(output.tape === self, "backward: tensor \(output.shape) is not on this tape")
        precondition(seed.count == output.count,
                     "backward: seed has \(seed.count) values, output \(output.shape) has \(output.count)")
        for record in records {
            record.output.grad = nil
            for input in record.inputs { input.grad = nil }
        }
        output.grad = seed
        guard let last = output.creator else { return }
        let first = stopAt.map { ($0.creator ?? -1) + 1 } ?? 0
        var index = last
        while index >= first {
            let record = records[index]
            index -= 1
            guard let gradOut = record.output.grad else { continue }
            if !record.output.retainsGrad && record.output !== output { record.output.grad = nil }
            let gradIns = record.backward(gradOut)
            precondition(gradIns.count == record.inputs.count, "backward returned the wrong input count")
            for (input, gradIn) in zip(record.inputs, gradIns) {
                guard let gradIn, input.tape === self else { continue }
                accumulate(gradIn, into: input)
            }
        }
    }

    private func accumulate(_ gradient: [Float], into tensor: Tensor) {
        precondition(gradient.count == tensor.count,
                     "gradient of \(gradient.count) values for tensor \(tensor.shape)")
        if tensor.grad == nil {
            tensor.grad = gradient
        } else {
            tensor.grad!.withUnsafeMutableBufferPointer { g in
                gradient.withUnsafeBufferPointer { d in
                    for i in 0 ..< g.count { g[i] += d[i] }
                }
            }
        }
    }
}

extension Tensor {
    /// The tape shared by `inputs`, if any is tracked (mixing tapes is a programmer error).
    static func commonTape(_ inputs: [Tensor]) -> Tape? {
        var found: Tape?
        for input in inputs {
            guard let tape = input.tape else { continue }
            precondition(found == nil || found === tape, "op mixes tensors from two tapes")
            found = tape
        }
        return found
    }

    /// Wraps an op's result: records `backward` when any input is tracked, else returns a constant.
    static func result(shape: [Int], data: [Float], inputs: [Tensor],
                       backward: @escaping ([Float]) -> [[Float]?]) -> Tensor {
        if let tape = commonTape(inputs) {
            return tape.record(shape: shape, data: data, inputs: inputs, backward: backward)
        }
        return Tensor(shape: shape, data: data)
    }
}
