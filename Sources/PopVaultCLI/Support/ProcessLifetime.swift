/// Objects kept until the process exits, never deallocated.
///
/// The vault's index is a GRDB `DatabaseQueue`, whose deinitializer unregisters it from
/// Foundation's `NotificationCenter`. In a process that has not yet cast a value to an
/// Objective-C-style object, that call makes the Swift runtime look up Foundation's boxing type
/// by name, scanning the type and conformance records of the whole static binary: 1.5–3.5 ms of
/// CPU in a run with nothing new that uses 33 (`perf stat -r 40`, task-clock). `run` gives its
/// vault here instead, as clang skips freeing its memory at exit (`-disable-free`): the kernel
/// takes the memory back all at once. Nothing is lost by not closing: the index keeps its WAL
/// on close anyway (`VaultIndex.close`), every commit is in the WAL when it returns, and the
/// kernel drops SQLite's locks with the process (an interrupted run ends that way).
enum ProcessLifetime {
    static func keep(_ object: AnyObject) {
        _ = Unmanaged.passRetained(object)
    }
}
