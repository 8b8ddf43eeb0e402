// How much a file from outside may make fidviz allocate or walk, in one place: each limit's
// default, its environment variable, and where it is enforced (always before the allocation
// it guards). The README's "Limits" section lists the same.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The limits fidviz applies to files it did not write. Every parser takes them from `current`
/// unless a caller passes others (tests do, to exceed a limit cheaply).
public struct Limits: Sendable, Equatable {
    /// Most pixels (width * height) a picture may declare; checked from its header, before any
    /// pixel memory exists. PIL's `Image.MAX_IMAGE_PIXELS`. `FIDVIZ_MAX_IMAGE_PIXELS`.
    public var maxImagePixels: Int
    /// How many more elements a checkpoint's tensors may hold, together, than its storages, whose
    /// sizes are checked against the file's real size: a stride-0 view of a tiny storage, or many
    /// keys viewing one storage, cannot make fidviz allocate more than this beyond the file.
    /// Checked before each tensor is allocated. `FIDVIZ_MAX_TENSOR_ELEMENTS`.
    public var maxTensorElements: Int
    /// Most values a pickle may create (pushes, memo entries, and elements copied when a shared
    /// container is modified). Not overridable: a state dict needs about 20,000.
    public var maxPickleValues: Int
    /// Deepest container nesting a pickle may build. Not overridable: a state dict needs about 5.
    public var maxPickleDepth: Int
    /// Most bytes one compressed `.npz` member may inflate to; checked from the zip directory
    /// before the output is allocated, and inflating stops at the declared size. Stored members
    /// are read in place and need no limit. `FIDVIZ_MAX_NPZ_MEMBER_BYTES`.
    public var maxNpzMemberBytes: Int
    /// Most files one folder walk may visit (images and skipped files together).
    /// `FIDVIZ_MAX_FILES`.
    public var maxFolderFiles: Int
    /// Most bytes a CSV file from outside (people's scores, `--human`) may hold; checked from the
    /// file's size before it is read. `FIDVIZ_MAX_CSV_BYTES`.
    public var maxCSVBytes: Int

    public init(maxImagePixels: Int = 89_478_485, maxTensorElements: Int = 1 << 26,
                maxPickleValues: Int = 1 << 22, maxPickleDepth: Int = 32,
                maxNpzMemberBytes: Int = 1 << 31, maxFolderFiles: Int = 10_000_000,
                maxCSVBytes: Int = 1 << 28) {
        self.maxImagePixels = maxImagePixels
        self.maxTensorElements = maxTensorElements
        self.maxPickleValues = maxPickleValues
        self.maxPickleDepth = maxPickleDepth
        self.maxNpzMemberBytes = maxNpzMemberBytes
        self.maxFolderFiles = maxFolderFiles
        self.maxCSVBytes = maxCSVBytes
    }

    /// The defaults, overridden by the environment variables (read once, at first use). A value
    /// that is not a positive integer is ignored with a one-line warning on stderr.
    public static let current: Limits = {
        let (limits, problems) = Limits.parsing { getenv($0).map { String(cString: $0) } }
        for problem in problems { fputs("fidviz: warning: \(problem)\n", stderr) }
        return limits
    }()

    /// The environment variable that overrides each overridable limit.
    public static let environmentVariables: [(name: String, limit: WritableKeyPath<Limits, Int>)] = [
        ("FIDVIZ_MAX_IMAGE_PIXELS", \.maxImagePixels),
        ("FIDVIZ_MAX_TENSOR_ELEMENTS", \.maxTensorElements),
        ("FIDVIZ_MAX_NPZ_MEMBER_BYTES", \.maxNpzMemberBytes),
        ("FIDVIZ_MAX_FILES", \.maxFolderFiles),
        ("FIDVIZ_MAX_CSV_BYTES", \.maxCSVBytes),
    ]

    /// The defaults with the overrides that `environment` gives for the variables' names, and one
    /// line per value ignored. Digits may be grouped with underscores (`89_478_485`).
    public static func parsing(_ environment: (String) -> String?) -> (limits: Limits, problems: [String]) {
        var limits = Limits()
        var problems: [String] = []
        for (name, limit) in environmentVariables {
            guard let text = environment(name) else { continue }
            if let value = Int(String(text.filter { $0 != "_" })), value > 0 {
                limits[keyPath: limit] = value
            } else {
                problems.append("ignoring \(name)=\(UntrustedText.printable(text)): not a positive integer; "
                    + "using the default, \(limits[keyPath: limit])")
            }
        }
        return (limits, problems)
    }
}
