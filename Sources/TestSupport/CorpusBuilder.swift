import Crypto
import Foundation

/// One message written into a Maildir, with the SHA-256 of its canonical form.
public struct CorpusMessage: Sendable {
    public let path: String
    public let canonicalSHA256: String
    public let canonicalSize: Int
}

/// The canonical form of a message as popvault stores it: CRLF turned into LF and a final LF
/// ensured — the bytes a POP3 server's RETR yields after unstuffing.
public enum Canonical {
    public static func form(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 13, i + 1 < bytes.count, bytes[i + 1] == 10 { i += 1; continue }
            out.append(bytes[i])
            i += 1
        }
        if out.last != 10 { out.append(10) }
        return out
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// Sizes of the base64 attachments a corpus carries.
public struct CorpusProfile: Sendable {
    /// Every how many messages one carries an attachment (0: none).
    public var attachmentEvery: Int
    /// Attachment size in bytes (before base64) for a draw in 0..<1.
    public var attachmentSize: @Sendable (Double) -> Int
    public var includeCPythonEmailData: Bool

    public init(attachmentEvery: Int, attachmentSize: @escaping @Sendable (Double) -> Int, includeCPythonEmailData: Bool) {
        self.attachmentEvery = attachmentEvery
        self.attachmentSize = attachmentSize
        self.includeCPythonEmailData = includeCPythonEmailData
    }

    /// For tests: small attachments, and one of 20 MB in every 500 messages.
    public static let test = CorpusProfile(attachmentEvery: 10, attachmentSize: { draw in
        draw > 0.998 ? 20 * 1024 * 1024 : Int(20_000 + draw * 200_000)
    }, includeCPythonEmailData: true)

    /// For the benchmark: about 10% of messages with attachments; before base64 (which adds a
    /// third), 75% of them 40–750 KB, 22% 0.75–3.75 MB, 3% 3.75–15 MB. 10,000 messages come to
    /// about 1.4 GB.
    public static let realistic = CorpusProfile(attachmentEvery: 10, attachmentSize: { draw in
        if draw < 0.75 { return Int(40_000 + draw / 0.75 * 710_000) }
        if draw < 0.97 { return Int(750_000 + (draw - 0.75) / 0.22 * 3_000_000) }
        return Int(3_750_000 + (draw - 0.97) / 0.03 * 11_250_000)
    }, includeCPythonEmailData: false)

    /// Text only (for quick runs).
    public static let textOnly = CorpusProfile(attachmentEvery: 0, attachmentSize: { _ in 0 }, includeCPythonEmailData: false)
}

/// Fills a Maildir with mail that exercises the protocol: plain and HTML text, base64
/// attachments, a line that is a lone `.`, lines starting with `.` and `From `, 8-bit bytes,
/// long lines — and, when Python is installed, the edge-case messages of CPython's email tests.
public struct CorpusBuilder {
    private var random: SplitMix64
    public let profile: CorpusProfile
    private var sequence = 0
    private let tag: String

    public init(seed: UInt64 = 1, profile: CorpusProfile = .test) {
        random = SplitMix64(seed: seed)
        self.profile = profile
        tag = String(seed, radix: 16)
    }

    /// Writes `count` messages into `maildir/cur` (the CPython ones count towards it).
    public mutating func fill(maildir: String, count: Int) throws -> [CorpusMessage] {
        var written: [CorpusMessage] = []
        var edgeCases = profile.includeCPythonEmailData ? Self.cpythonEmailMessages() : []
        for index in 0..<count {
            let bytes = edgeCases.isEmpty ? makeMessage(index) : edgeCases.removeFirst()
            written.append(try write(bytes, into: maildir))
        }
        return written
    }

    /// Writes one message file the way a delivery agent would, with the sizes in its name so
    /// Dovecot need not read it to answer LIST.
    public mutating func write(_ bytes: [UInt8], into maildir: String) throws -> CorpusMessage {
        sequence += 1
        let lfCount = bytes.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        let crlfSize = bytes.count + lfCount
        let name = "\(1_700_000_000 + sequence).P\(tag)Q\(sequence).popvault,S=\(bytes.count),W=\(crlfSize):2,"
        let path = maildir + "/cur/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw TestSupportError("cannot write \(path)")
        }
        let canonical = Canonical.form(bytes)
        return CorpusMessage(path: path, canonicalSHA256: Canonical.sha256Hex(canonical), canonicalSize: canonical.count)
    }

    public mutating func makeMessage(_ index: Int) -> [UInt8] {
        let date = "Mon, \(1 + index % 28) Sep 2025 \(10 + index % 12):\(10 + index % 50):00 +0000"
        var header = "From: Sender \(index % 37) <sender\(index % 37)@example.org>\n"
            + "To: alice@example.com\nSubject: Message \(index) from the popvault corpus\n"
            + "Date: \(date)\nMessage-ID: <\(tag).\(index)@corpus.popvault.test>\nMIME-Version: 1.0\n"
        var body: [UInt8]
        let wantsAttachment = profile.attachmentEvery > 0 && index % profile.attachmentEvery == profile.attachmentEvery - 1
        if wantsAttachment {
            let size = profile.attachmentSize(random.nextDouble())
            header += "Content-Type: multipart/mixed; boundary=\"b\(index)\"\n\n"
            body = Array("--b\(index)\nContent-Type: text/plain\n\nSee the attachment.\n--b\(index)\n".utf8)
            body += Array("Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
                .utf8)
            body += Array("Content-Disposition: attachment; filename=\"data\(index).bin\"\n\n".utf8)
            body += base64Lines(count: size)
            body += Array("--b\(index)--\n".utf8)
        } else if index % 7 == 3 {
            header += "Content-Type: text/html; charset=utf-8\n\n"
            body = Array("<html><body><p>Hello \(index)</p>\n<p>\(words(40))</p></body></html>\n".utf8)
        } else {
            header += "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
            body = Array("Hello,\n\n\(words(30 + index % 200))\n".utf8)
            switch index % 6 {
            case 0: body += Array(".\nthe line above is a lone dot\n..two dots\n.leading dot\n".utf8)
            case 1: body += Array("From here on, a line that starts with From\n>From quoted already\n".utf8)
            case 2: body += [0x47, 0x72, 0xFC, 0xDF, 0x65, 0x20, 0xE9, 0xE8, 0x0A]  // "Grüße éè" in Latin-1
            case 3: body += Array(String(repeating: "long-line-", count: 1200).utf8) + [10]
            case 4: body += Array("last line without a line end".utf8)
            default: body += Array(".\n".utf8)
            }
        }
        return Array(header.utf8) + body
    }

    private mutating func words(_ count: Int) -> String {
        let vocabulary = ["archive", "server", "mail", "backup", "night", "segment", "index", "the", "of", "and",
                          "verify", "restore", "policy", "retention", "message", "quarterly", "report", "meeting"]
        var out: [String] = []
        for i in 0..<count {
            out.append(vocabulary[Int(random.next() % UInt64(vocabulary.count))])
            if i % 12 == 11 { out.append("\n") }
        }
        return out.joined(separator: " ")
    }

    /// Random bytes, base64-encoded in 76-character lines.
    private mutating func base64Lines(count: Int) -> [UInt8] {
        var raw = [UInt8](repeating: 0, count: count)
        raw.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset + 8 <= buffer.count {
                buffer.storeBytes(of: random.next(), toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
        }
        let encoded = Data(raw).base64EncodedData(options: [.lineLength76Characters, .endLineWithLineFeed])
        return Array(encoded) + [10]
    }

    /// CPython's email test messages (`test/test_email/data/msg_*.txt`), if Python has them.
    public static func cpythonEmailMessages() -> [[UInt8]] {
        guard let python = ProcessRunner.which("python3"),
              let result = try? ProcessRunner.run(python, ["-c", "import test.test_email,os;print(os.path.dirname(test.test_email.__file__))"]),
              result.status == 0 else { return [] }
        let dir = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/data"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasPrefix("msg_") && $0.hasSuffix(".txt") }.sorted()
        return names.compactMap { FileManager.default.contents(atPath: dir + "/" + $0).map { Array($0) } }
    }
}

/// A small, fast, seedable generator so that corpora are the same from run to run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
