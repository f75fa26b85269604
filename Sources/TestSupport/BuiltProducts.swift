import Foundation

/// Paths of the executables `swift build` put beside the running test bundle.
public enum BuiltProducts {
    public static func path(of product: String) -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while directory.path.contains(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent(product).path
    }
}
