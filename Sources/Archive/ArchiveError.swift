/// Errors of the vault. Each names what and where, and what to do where that is not obvious.
public enum ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    case io(String)
    case corrupt(String)
    case locked(String)
    case notAVault(String)
    case unsupportedFormat(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .io(let m): return "I/O error: \(m)"
        case .corrupt(let m): return "damaged data: \(m)"
        case .locked(let m): return m
        case .notAVault(let m): return m
        case .unsupportedFormat(let m): return m
        case .notFound(let m): return m
        }
    }
}
