import Foundation

/// A CA and a server certificate made with the openssl CLI for one test run. The server
/// certificate names `localhost` as a DNS name only (no IP SAN), so connecting to 127.0.0.1
/// by address is a genuine hostname mismatch.
public struct TestCertificates: Sendable {
    public let caCertificate: String
    public let serverCertificate: String
    public let serverKey: String

    public static func make(in directory: TemporaryDirectory, name: String = "localhost",
                            caName: String = "popvault test CA", days: Int = 30) throws -> TestCertificates {
        let ca = directory.file("\(caName.replacingOccurrences(of: " ", with: "-")).crt")
        let caKey = ca + ".key"
        let cert = directory.file("\(name).crt"), key = directory.file("\(name).key")
        let csr = directory.file("\(name).csr"), ext = directory.file("\(name).ext")
        try "subjectAltName=DNS:\(name)\n".write(toFile: ext, atomically: true, encoding: .utf8)
        let openssl = ProcessRunner.which("openssl") ?? "/usr/bin/openssl"
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", ca, "-days", "\(days)", "-subj", "/CN=\(caName)"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=\(name)"],
            ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", cert, "-days", "\(days)", "-extfile", ext],
        ]
        for step in steps {
            let result = try ProcessRunner.run(openssl, step)
            guard result.status == 0 else { throw TestSupportError("openssl \(step[0]) failed: \(result.stderr)") }
        }
        return TestCertificates(caCertificate: ca, serverCertificate: cert, serverKey: key)
    }
}
