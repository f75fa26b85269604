import Foundation
import TestSupport
import Testing

/// The units in contrib/systemd: valid for systemd (where `systemd-analyze` is installed), a
/// dedicated user, the vault the only place written, and a stop timeout above the stop's grace.
@Suite struct SystemdUnitTests {
    private var contrib: String {
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("contrib/systemd").path
    }

    @Test func unitsAreValidAndConfined() throws {
        let service = try String(contentsOfFile: contrib + "/popvault.service", encoding: .utf8)
        for line in ["User=popvault", "ProtectSystem=strict", "ReadWritePaths=/var/lib/popvault", "NoNewPrivileges=yes",
                     "PrivateTmp=yes", "ExecStart=/usr/local/bin/popvault run --quiet"] {
            #expect(service.contains(line), "\(line)")
        }
        let timeout = service.split(separator: "\n").first { $0.hasPrefix("TimeoutStopSec=") }.flatMap { Int($0.dropFirst("TimeoutStopSec=".count)) }
        #expect((timeout ?? 0) > 10 + 20, "TimeoutStopSec must leave the default stop_grace (10 s) and the commit time")
        guard let analyze = ProcessRunner.which("systemd-analyze") else { return }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try service.replacingOccurrences(of: "/usr/local/bin/popvault", with: CLIHarness.binary)
            .write(toFile: directory.file("popvault.service"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: contrib + "/popvault.timer", toPath: directory.file("popvault.timer"))
        let result = try ProcessRunner.run(analyze, ["verify", directory.file("popvault.service"), directory.file("popvault.timer")])
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stdout)\(result.stderr)")
    }
}
