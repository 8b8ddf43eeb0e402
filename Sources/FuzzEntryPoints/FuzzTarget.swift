// The parsers that read files from strangers, each as one function of raw bytes. The libFuzzer
// harnesses (Fuzz/Harnesses) and the regression test (Tests/FuzzRegressionTests) call these same
// functions, so a campaign's finding and its regression file exercise identical code.

import Agreement
import Foundation
import Frechet
import InceptionGraph
import NumpyFiles
import Pixels
import TorchCheckpoint

/// One parser under fuzzing. `rawValue` names its harness, its corpus and its regression folder
/// (`Tests/Fixtures/fuzz/<rawValue>/`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The restricted unpickler with the state-dict rules, on a bare pickle.
    case pickle
    /// `TorchCheckpoint.load(data:name:)`, both layouts (chosen by the first four bytes).
    case checkpoint
    /// `Npy.decode`: one `.npy` (header and data).
    case npy
    /// `NpzArchive`: the zip directory, then every `.npy` member.
    case npz
    /// `StatisticsFile.read`: keys, shapes, finiteness, symmetry and PSD, at any dimension
    /// (opening the archive may throw `NumpyFileError`, reading it `FrechetError`).
    case statistics
    /// `ImageDecoder.checkHeader(data:)` then `ImageDecoder.decode(data:)` (PNG, JPEG and WebP alike).
    case png
    /// `HumanScores(csv:name:)`: people's scores of images as CSV, in either layout.
    case human

    /// The name errors give the input.
    public static let inputName = "fuzz-input"

    /// Feeds `data` to the parser. Returns `.accepted` with a short summary, or `.refused` with
    /// the parser's one-line error. Throws `FuzzContractViolation` when the parser breaks its
    /// contract: an error of a type it does not document, or a message that is not one line.
    /// (A trap or a memory error is not caught: that is what the harness reports.)
    public func feed(_ data: Data) throws -> FuzzOutcome {
        do {
            return .accepted(try parse(data))
        } catch let violation as FuzzContractViolation {
            throw violation
        } catch let error as TorchCheckpointError where self == .pickle || self == .checkpoint {
            return try refusal(error.description)
        } catch let error as NumpyFileError where self == .npy || self == .npz || self == .statistics {
            return try refusal(error.description)
        } catch let error as FrechetError where self == .statistics {
            return try refusal(error.description)
        } catch let error as ImageDecodingError where self == .png {
            return try refusal(error.description)
        } catch let error as HumanScoresError where self == .human {
            return try refusal(error.description)
        } catch {
            throw FuzzContractViolation(target: self, message: "undocumented error \(type(of: error)): \(error)")
        }
    }

    private func parse(_ data: Data) throws -> String {
        let name = Self.inputName
        switch self {
        case .pickle:
            let shapes = try TorchCheckpoint.stateDictShapes(pickle: data, name: name)
            return "\(shapes.count) tensors"
        case .checkpoint:
            let tensors = try TorchCheckpoint.load(data: data, name: name)
            return "\(tensors.count) tensors, \(tensors.values.reduce(0) { $0 + $1.values.count }) values"
        case .npy:
            let array = try Npy.decode(data, name: name)
            return "\(array.dtype) \(array.shape)"
        case .npz:
            let archive = try NpzArchive(data: data, name: name)
            let arrays = try archive.arrays(archive.keys)
            return "\(arrays.count) arrays"
        case .statistics:
            let file = try StatisticsFile.read(
                try NpzArchive(data: data, name: name), expectedDimension: nil, expectedClassCount: nil,
                logits: true, keepRows: true)
            return "\(file.layout.rawValue), d = \(file.statistics.dimension)"
        case .png:
            return try decodePNG(data, name: name)
        case .human:
            let scores = try HumanScores(csv: data, name: name)
            return "\(scores.layout.rawValue), \(scores.rows.count) rows, \(scores.skippedNoGuesses) skipped"
        }
    }

    /// Both PNG entry points; `checkHeader` must refuse exactly what `decode` refuses for the
    /// first 33 bytes, with the same message, and agree with it on the size.
    private func decodePNG(_ data: Data, name: String) throws -> String {
        let header = Result { try ImageDecoder.checkHeader(data: data, name: name) }
        let image = Result { try ImageDecoder.decode(data: data, name: name) }
        switch (header, image) {
        case (.success(let size), .success(let image)):
            guard (image.width, image.height) == size else {
                throw FuzzContractViolation(target: self, message: "the header check says \(size.width)x"
                    + "\(size.height), decoding gives \(image.width)x\(image.height)")
            }
            return "\(image.width)x\(image.height)"
        case (.failure(let refusal), .success):
            throw FuzzContractViolation(target: self, message: "the header check refuses what decoding "
                + "accepts: \(refusal)")
        case (.failure(let refusal), .failure(let decodingRefusal)):
            guard "\(refusal)" == "\(decodingRefusal)" else {
                throw FuzzContractViolation(target: self, message: "the header check says '\(refusal)', "
                    + "decoding says '\(decodingRefusal)'")
            }
            throw refusal
        case (.success, .failure(let decodingRefusal)):
            throw decodingRefusal
        }
    }

    private func refusal(_ message: String) throws -> FuzzOutcome {
        guard !message.contains(where: \.isNewline) else {
            throw FuzzContractViolation(target: self, message: "a message of several lines: \(message.debugDescription)")
        }
        return .refused(message)
    }
}

/// What a parser made of one input.
public enum FuzzOutcome: Equatable, Sendable {
    case accepted(String)
    case refused(String)
}

/// A parser broke its contract on an input (see `FuzzTarget.feed`).
public struct FuzzContractViolation: Error, CustomStringConvertible {
    public let target: FuzzTarget
    public let message: String
    public var description: String { "\(target.rawValue): \(message)" }
}

// MARK: - libFuzzer

extension FuzzTarget {
    /// The most CPU time one input may take. Measured as process CPU time rather than libFuzzer's
    /// wall-clock `-timeout`, because campaigns run niced on a shared machine, where an input can
    /// wait for a core far longer than it runs.
    public static let cpuSecondsPerInput = 1.0

    /// The body of a harness's `LLVMFuzzerTestOneInput`: feeds the fuzzer's bytes in place (no
    /// copy, so AddressSanitizer sees every read past them) and traps on a contract violation or
    /// an input that takes more than `cpuSecondsPerInput`.
    public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
        let data = bytes.map { Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0), count: count, deallocator: .none) }
            ?? Data()
        let start = Self.processCPUSeconds()
        do {
            _ = try feed(data)
        } catch {
            fatalError("\(error)")
        }
        let seconds = Self.processCPUSeconds() - start
        if seconds > Self.cpuSecondsPerInput {
            fatalError("\(rawValue): one input of \(count) bytes took \(seconds) s of CPU time, more than "
                + "\(Self.cpuSecondsPerInput) s")
        }
        return 0
    }

    private static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
