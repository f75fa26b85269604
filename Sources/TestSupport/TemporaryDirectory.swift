import Foundation

/// A directory under the system temp dir, removed by `remove()`. World-traversable (0755)
/// because Dovecot's mail processes run as `nobody` and must reach the Maildirs inside. With
/// `forTestUser`, it belongs to `TestUser`, for the vaults and files popvault makes in it.
public final class TemporaryDirectory: Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(prefix: String = "popvault-test", forTestUser: Bool = false) throws {
        let base = FileManager.default.temporaryDirectory
        url = base.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        if forTestUser { try TestUser.own(url.path) }
    }

    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
