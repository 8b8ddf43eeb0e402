import Foundation

// MARK: - One set, named once per network

/// One set (GEN or REF) as one network sees it: the images it measures, or its `.npz` already
/// read and validated.
struct NetworkSet {
    let source: SetSource
    let file: MeasuredSet?
    /// How messages name the set: the arguments, or the `.npz` as given.
    let name: String
}

extension NetworkSet {
    /// A set named once per backbone (`classes`' GEN and `--ref`, explain's `--ref`): its `.npz`
    /// files matched to the backbones by what they record (`ExplainInputs.filesByBackbone`), and
    /// the other arguments as one set of images for every backbone without a file.
    /// With `separateArguments` (repeatable `--ref`), each argument names a whole set, so two
    /// arguments of images are two sets, and refused.
    static func perBackbone(_ arguments: [String], flag: String, backbones: [Backbone], separateArguments: Bool,
                            keepRows: Bool) throws -> [Backbone: NetworkSet] {
        let isNpz = { (path: String) in path.lowercased().hasSuffix(".npz") && !ImageFiles.isFolder(path) }
        let npz = arguments.filter(isNpz), images = arguments.filter { !isNpz($0) }
        if separateArguments && images.count > 1 {
            throw InputError("\(flag): \(images.joined(separator: " and ")) are both images; give one set of images "
                + "(it goes through every network) or one .npz per --backbone")
        }
        for path in npz where !FileManager.default.fileExists(atPath: path) {
            throw InputError("\(flag) \(path): no such file")
        }
        let files = try ExplainInputs.filesByBackbone(npz, flag: flag, backbones: backbones, logits: true,
                                                      keepRows: keepRows, everyBackbone: images.isEmpty)
        let imageSet = images.isEmpty ? nil : try SetSource(images, flag: flag == "GEN" ? nil : flag)
        if let imageSet, files.count == backbones.count {
            throw InputError("\(flag) \(imageSet.name): every --backbone already has its \(flag) file; leave the "
                + "images out")
        }
        var sets: [Backbone: NetworkSet] = [:]
        for backbone in backbones {
            if let file = files[backbone] {
                sets[backbone] = NetworkSet(source: .npz(URL(fileURLWithPath: file.path)), file: file.set,
                                            name: file.path)
            } else if let imageSet {
                sets[backbone] = NetworkSet(source: imageSet, file: nil, name: images.joined(separator: ", "))
            }
        }
        return sets
    }
}
