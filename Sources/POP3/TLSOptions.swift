import Crypto
import NIOSSL

/// How the connection to the server is protected.
public enum TransportSecurity: String, Sendable, CaseIterable {
    /// TLS from the first byte (RFC 8314, usually port 995). Preferred.
    case implicit
    /// Plaintext connection upgraded with STLS (RFC 2595, usually port 110). Refused if not offered.
    case starttls
    /// No TLS at all. Credentials are still refused unless the account also sets `allow_plaintext_auth`.
    case none
}

/// Certificate checking. By default the system trust store (Debian's `/etc/ssl/certs`) and the
/// host name are checked. `caFile` replaces the system roots. A `fingerprint` (SHA-256 of the
/// server certificate's DER bytes) is compared after the handshake, before any credential is sent;
/// a pin without a CA file is the trust itself (as mpop's `tls_fingerprint`), so self-signed
/// servers can be used safely.
public struct TLSOptions: Sendable {
    public var caFile: String?
    public var fingerprint: [UInt8]?

    public init(caFile: String? = nil, fingerprint: [UInt8]? = nil) {
        self.caFile = caFile
        self.fingerprint = fingerprint
    }

    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile {
            configuration.trustRoots = .file(caFile)
        } else if fingerprint != nil {
            configuration.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// What the TLS handshake established, for `popvault check` and the logs. The certificate's
/// details are worked out when asked for: a nightly run reads none of them.
public struct TLSSessionInfo: Sendable, Equatable {
    public let version: String
    let certificate: NIOSSLCertificate

    /// The subject's distinguished name, most significant part last as usual (`CN=…, O=…`).
    public var subject: String { Self.distinguishedName(certificate.subjectName) }
    public var issuer: String { Self.distinguishedName(certificate.issuerName) }

    /// The names the certificate is valid for: DNS names and IP addresses of its SAN extension.
    public var alternativeNames: [String] {
        certificate._subjectAlternativeNames().compactMap { name -> String? in
            let bytes = name.contents.withUnsafeBufferPointer { Array($0) }
            switch name.nameType {
            case .dnsName: return "DNS:" + String(decoding: bytes, as: UTF8.self)
            case .ipAddress:
                if bytes.count == 4 { return "IP:" + bytes.map(String.init).joined(separator: ".") }
                return "IP:" + stride(from: 0, to: bytes.count, by: 2).map { index in
                    String(UInt16(bytes[index]) << 8 | UInt16(bytes[min(index + 1, bytes.count - 1)]), radix: 16)
                }.joined(separator: ":")
            default: return nil
            }
        }
    }

    /// The validity period, as Unix seconds.
    public var notValidBefore: Int { Int(certificate.notValidBefore) }
    public var notValidAfter: Int { Int(certificate.notValidAfter) }

    /// SHA-256 of the certificate's DER bytes in the form `tls_fingerprint` takes
    /// (`sha256:AB:CD:…`); nil if BoringSSL cannot encode them.
    public var fingerprint: String? {
        (try? Self.digest(of: certificate)).map { "sha256:" + Fingerprint.format($0) }
    }

    static func digest(of certificate: NIOSSLCertificate) throws -> [UInt8] {
        Array(SHA256.hash(data: try certificate.toDERBytes()))
    }

    private static func distinguishedName(_ parts: [SSLCertificateName]) -> String {
        parts.reversed().map { part in
            let key: String
            switch part.type {
            case .commonName: key = "CN"
            case .organization: key = "O"
            case .organizationalUnit: key = "OU"
            case .country: key = "C"
            case .state: key = "ST"
            case .city: key = "L"
            case .emailAddress: key = "emailAddress"
            case .userId: key = "UID"
            default: key = "?"
            }
            return "\(key)=\(part.value)"
        }.joined(separator: ", ")
    }
}
