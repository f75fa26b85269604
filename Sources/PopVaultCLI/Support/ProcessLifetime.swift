/// Objects kept until the process exits, never deallocated.
///
/// The vault's index is a GRDB `DatabaseQueue`, whose deinitializer unregisters it from
/// Foundation's `NotificationCenter`. In a process that has not yet cast a value to an
/// Objective-C-style object, that call makes the Swift runtime look up Foundation's boxing type
/// by name, scanning the type and conformance records of the whole static binary: 1.5–3.5 ms of
/// CPU in a run with nothing new that uses 33 (`perf stat -r 40`, task-clock). A command that has
/// closed its index (`Vault.close`) gives the vault here instead, as clang skips freeing its
/// memory at exit (`-disable-free`): the kernel takes the memory back all at once.
enum ProcessLifetime {
    static func keep(_ object: AnyObject) {
        _ = Unmanaged.passRetained(object)
    }
}
