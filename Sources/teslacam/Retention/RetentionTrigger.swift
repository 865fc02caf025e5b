/// When the daemon's next retention pass is due: every `interval`, at once when free space crosses under the
/// reserve, and while it stays under, after each `margin` of new writes (so a disk the car's own clips fill is
/// watched closely without a pass every few seconds). Pure: the time since the last pass is passed in.
struct RetentionTrigger: Sendable {
    var interval: Duration = .seconds(60)
    var margin: UInt64 = 16 << 20

    /// `sinceLastPass` nil: no pass yet. `free` nil: the file system could not be asked (only the interval counts).
    func isDue(sinceLastPass: Duration?, free: UInt64?, reserve: UInt64, freeAfterLastPass: UInt64) -> Bool {
        guard let sinceLastPass, sinceLastPass < interval else { return true }
        guard let free, free < reserve else { return false }
        return freeAfterLastPass >= reserve || free + margin < freeAfterLastPass
    }
}
