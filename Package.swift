// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "popvault",
    // Built and tested on Linux (Debian 12, Swift 6.3). Linux-only calls sit behind
    // `#if canImport(Glibc)`, so a port to macOS 15 (for Mutex and Atomic) is a small step.
    products: [
        .executable(name: "popvault", targets: ["PopVaultCLI"]),
        .executable(name: "popvault-lab", targets: ["PopVaultLab"]),
        .executable(name: "popvault-fuzz", targets: ["PopVaultFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Intel ISA-L's igzip: streaming deflate over ten times faster than zlib on mail,
        // producing standard deflate streams, and inflate about twice as fast as zlib's.
        // popvault writes and parses each gzip member's header (FEXTRA) itself.
        .systemLibrary(name: "CISAL", path: "Sources/CISAL", pkgConfig: "libisal",
                       providers: [.apt(["libisal-dev"])]),

        // `%XX` and hex spellings shared by the account ids, the member headers and the
        // certificate pins, and the sanitizing of outside text before it reaches a terminal.
        .target(name: "Escaping", dependencies: []),

        // POP3: a pure protocol core (commands, reply parsing and classification, dot-unstuffing
        // and framing, capabilities, login planning) and a thin SwiftNIO edge that drives it
        // over TCP/TLS and keeps the session's state.
        .target(name: "POP3Core", dependencies: []),
        .target(name: "POP3", dependencies: [
            "POP3Core", "Escaping",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "Config", dependencies: [
            "TOMLKit", "Escaping",
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "Archive", dependencies: [
            "CISAL", "Escaping",
            .product(name: "GRDB", package: "GRDB.swift"),
            // SQLite's C API, for the one read that steps rows itself (VaultIndex.archivedMailbox).
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "Backup", dependencies: [
            "POP3", "POP3Core", "Archive", "Config", "Escaping",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Getting mail back: restore into Maildirs, export as mbox or .eml files.
        .target(name: "Restore", dependencies: [
            "Archive", "Escaping",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        .executableTarget(name: "PopVaultCLI", dependencies: [
            "Backup", "Archive", "Config", "Escaping", "Restore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Test support: private Dovecot launcher, corpus builder, scripted server, fault proxy.
        .target(name: "TestSupport", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Helpers for tests, the demo and the benchmark: a private Dovecot, corpora, a crash-test writer.
        .executableTarget(name: "PopVaultLab", dependencies: [
            "TestSupport", "Archive", "POP3", "POP3Core",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Fuzz targets for libFuzzer (`scripts/fuzz`); built plainly, a replayer of inputs.
        .executableTarget(name: "PopVaultFuzz", dependencies: ["Archive", "Config", "POP3Core"]),

        .testTarget(name: "POP3CoreTests", dependencies: ["POP3Core"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "RestoreTests", dependencies: ["Restore", "Archive", "TestSupport"]),
        .testTarget(name: "BackupTests", dependencies: [
            "Backup", "Archive", "Config", "POP3Core", "TestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ArchiveTests", dependencies: [
            "Archive", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "POP3", "POP3Core", "Config", "Archive", "Backup", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
    ]
)
