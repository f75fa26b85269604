/// Builds a `UIDLListing` a line at a time, as the reply arrives: a mailbox of tens of
/// thousands of messages is parsed while the rest of its listing is still on the wire, and no
/// line is copied before it becomes an entry. Numbers must be positive and unique; the same id
/// on two numbers is allowed (RFC 1939 §7: identical copies may share an id).
public struct UIDLListingBuilder {
    public private(set) var listing = UIDLListing()
    /// The highest number accepted so far: servers list in ascending order, so a larger number
    /// is new without asking a set.
    private var highestNumber = 0
    /// Every accepted number, built only once a server lists a number out of order.
    private var acceptedNumbers: Set<Int>?

    public init() {}

    /// One data line, without its line end.
    public mutating func add(line: UnsafeRawBufferPointer) {
        guard let (number, rest) = ListingParser.splitNumber(line) else {
            return reject(line, "not \"number id\"")
        }
        // Several spaces between number and id occur (Comcast); trailing spaces are not part of the id.
        let uidl = rest.dropTrailingSpaces()
        switch ListingParser.check(uidlBytes: uidl) {
        case .invalid(let reason):
            return reject(line, reason)
        case .overlong:
            listing.overlongAccepted += 1
        case .valid:
            break
        }
        guard accept(number) else {
            return reject(line, "message number \(number) listed twice")
        }
        listing.append(number: number, uidl: uidl)
    }

    private mutating func accept(_ number: Int) -> Bool {
        if acceptedNumbers == nil {
            if number > highestNumber {
                highestNumber = number
                return true
            }
            acceptedNumbers = Set(listing.numbers)
        }
        return acceptedNumbers?.insert(number).inserted ?? false
    }

    private mutating func reject(_ line: UnsafeRawBufferPointer, _ reason: String) {
        listing.rejected.append(RejectedListingLine(line: ListingParser.printableLine(line), reason: reason))
    }
}
