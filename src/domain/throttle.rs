//! How failed sign-ins slow down whoever makes them: a few free tries, then growing waits, then
//! a lock. An account (the email typed) is guarded tightly; a client address, which many honest
//! people may share behind one router, more loosely.

use chrono::TimeDelta;

/// What is being guarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    Account,
    Address,
}

impl Guarded {
    /// Failures that cost nothing.
    fn free(self) -> i32 {
        match self {
            Guarded::Account => 3,
            Guarded::Address => 20,
        }
    }

    /// Failures after which the subject is locked, and its owner told.
    pub fn lock_at(self) -> i32 {
        match self {
            Guarded::Account => 10,
            Guarded::Address => 50,
        }
    }

    /// How long the subject must wait after its `failures`-th failure in a row: nothing for the
    /// free ones, then 2, 4, 8… seconds, then a 15-minute lock once `lock_at` is reached.
    pub fn wait_after(self, failures: i32) -> Option<TimeDelta> {
        if failures >= self.lock_at() {
            return Some(LOCK);
        }
        let over = failures - self.free();
        (over > 0).then(|| TimeDelta::seconds(1i64 << over.clamp(1, 9)))
    }
}

/// A wait as the person is told it: whole seconds under a minute, whole minutes from there,
/// rounded up so that nobody who waits as told is refused again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShownWait {
    Seconds(i64),
    Minutes(i64),
}

impl ShownWait {
    pub fn of(wait: TimeDelta) -> ShownWait {
        let seconds = (wait.num_milliseconds() + 999).div_euclid(1000).max(1);
        if seconds < 60 { ShownWait::Seconds(seconds) } else { ShownWait::Minutes((seconds + 59) / 60) }
    }
}

/// How long a lock lasts.
pub const LOCK: TimeDelta = TimeDelta::minutes(15);

/// After this long without a failure, the count starts again.
pub const FORGET_AFTER: TimeDelta = TimeDelta::hours(1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_then_lock() {
        let account = Guarded::Account;
        assert_eq!(account.wait_after(3), None);
        assert_eq!(account.wait_after(4), Some(TimeDelta::seconds(2)));
        assert_eq!(account.wait_after(6), Some(TimeDelta::seconds(8)));
        assert_eq!(account.wait_after(10), Some(LOCK));
        assert_eq!(Guarded::Address.wait_after(10), None, "an address shared by many gets more room");
        assert_eq!(Guarded::Address.wait_after(50), Some(LOCK));
    }

    #[test]
    fn waits_are_told_rounded_up() {
        assert_eq!(ShownWait::of(TimeDelta::milliseconds(1_200)), ShownWait::Seconds(2));
        assert_eq!(ShownWait::of(TimeDelta::milliseconds(10)), ShownWait::Seconds(1));
        assert_eq!(ShownWait::of(TimeDelta::seconds(59)), ShownWait::Seconds(59));
        assert_eq!(ShownWait::of(TimeDelta::seconds(60)), ShownWait::Minutes(1));
        assert_eq!(ShownWait::of(TimeDelta::seconds(61)), ShownWait::Minutes(2));
        assert_eq!(ShownWait::of(LOCK), ShownWait::Minutes(15));
    }
}
