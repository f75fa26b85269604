/// Errors of the vault. Each names what and where, and what to do where that is not obvious.
public enum ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    case io(String)
    case corrupt(String)
    case locked(String)
    case notAVault(String)
    case unsupportedFormat(String)
    case notFound(String)
    /// A directory or file is not safe to write (another owner, writable by others, a symlink).
    case unsafe(String)
    /// A request the vault cannot answer as asked (a bad search query, an ambiguous id).
    case badRequest(String)

    public var description: String {
        switch self {
        case .io(let m): return "I/O error: \(m)"
        case .corrupt(let m): return "damaged data: \(m)"
        case .unsafe(let m): return "refusing an unsafe vault: \(m)"
        case .locked(let m), .notAVault(let m), .unsupportedFormat(let m), .notFound(let m), .badRequest(let m): return m
        }
    }
}
