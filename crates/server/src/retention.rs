//! Which kept versions (snapshots) of a room to delete: a policy that spans
//! time, so someone who erased half a board an hour, a day or a month ago
//! still finds a version from before.
//!
//! Versions are kept in tiers by age: every one while recent, then the newest
//! of each `dense_every` slot, then the newest of each `sparse_every` slot,
//! then none. Slots are fixed on the clock (multiples of the slot length since
//! the Unix epoch), so which version represents a slot does not change as
//! time passes and a version thinned out of one tier is never needed by the
//! next. The newest version is always kept (recovery starts from it), and so
//! is any version dated after `now` (another node's clock ahead of ours).
//!
//! A count cap bounds the whole: a room compacted non-stop (its keeper
//! compacts every [`crate::config::Cli::compact_updates`] updates) cannot
//! grow its history beyond [`crate::limits::HISTORY_MAX_VERSIONS`]; beyond
//! it the keep-all tier's oldest go first (see [`Retention::expired`]).
//!
//! The policy is a pure function of the versions' times and `now`, so each
//! backend applies it inside its compaction transaction and every backend
//! keeps the same versions.

use std::collections::HashSet;
use std::time::Duration;

use crate::limits;

/// How long versions are kept, and how densely. Defaults in
/// [`crate::limits`]; `--history-*` flags set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Every version younger than this is kept.
    pub keep_all_for: Duration,
    /// Up to this age, the newest version of each `dense_every` slot is kept.
    pub dense_for: Duration,
    pub dense_every: Duration,
    /// Up to this age, the newest version of each `sparse_every` slot is kept;
    /// older ones are deleted.
    pub sparse_for: Duration,
    pub sparse_every: Duration,
    /// Versions kept at most, whatever their ages.
    pub max_versions: usize,
    /// An image no kept version references is collected by compaction only
    /// once it was uploaded longer ago than this: its element may not have
    /// reached the keeper yet.
    pub image_grace: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            keep_all_for: limits::HISTORY_KEEP_ALL_FOR,
            dense_for: limits::HISTORY_DENSE_FOR,
            dense_every: limits::HISTORY_DENSE_EVERY,
            sparse_for: limits::HISTORY_SPARSE_FOR,
            sparse_every: limits::HISTORY_SPARSE_EVERY,
            max_versions: limits::HISTORY_MAX_VERSIONS,
            image_grace: limits::IMAGE_UNREFERENCED_GRACE,
        }
    }
}

/// One kept version, as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub created_ms: u64,
}

impl Retention {
    /// The ids of `versions` (one room's, in any order) to delete at `now_ms`.
    ///
    /// Over [`Retention::max_versions`], the oldest of the keep-all tier go
    /// first: the slotted tiers are bounded by construction and hold what is
    /// hardest to get back (last week's board), so a busy hour must not push
    /// them out. Only if they alone exceed the cap do their oldest go too.
    pub fn expired(&self, versions: &[Dated], now_ms: u64) -> Vec<i64> {
        let mut newest_first = versions.to_vec();
        // Ids rise with every snapshot stored: they order versions even when
        // two share a millisecond or a clock stepped back.
        newest_first.sort_unstable_by_key(|v| std::cmp::Reverse(v.id));
        let mut dense_slots = HashSet::new();
        let mut sparse_slots = HashSet::new();
        // Per version, newest first: its tier if it is kept before the cap.
        let tiers: Vec<Option<Tier>> = newest_first
            .iter()
            .enumerate()
            .map(|(index, version)| {
                // The newest takes its slot like any other, so no older
                // version of that slot is kept besides it.
                let tier = self.tier(version, now_ms, &mut dense_slots, &mut sparse_slots);
                if index == 0 {
                    Some(tier.unwrap_or(Tier::Slotted))
                } else {
                    tier
                }
            })
            .collect();
        let mut keep: Vec<bool> = tiers.iter().map(Option::is_some).collect();
        let mut excess = keep
            .iter()
            .filter(|k| **k)
            .count()
            .saturating_sub(self.max_versions);
        for dropped_tier in [Some(Tier::Recent), None] {
            // Oldest first; the newest (index 0) always stays.
            for index in (1..keep.len()).rev() {
                if excess == 0 {
                    break;
                }
                if keep[index] && (dropped_tier.is_none() || tiers[index] == dropped_tier) {
                    keep[index] = false;
                    excess -= 1;
                }
            }
        }
        newest_first
            .iter()
            .zip(keep)
            .filter(|(_, keep)| !keep)
            .map(|(version, _)| version.id)
            .collect()
    }

    /// The tier that keeps `version`: the keep-all tier while it is recent,
    /// else a slotted tier if it is the first (newest) seen of its slot; None
    /// when no tier keeps it.
    fn tier(
        &self,
        version: &Dated,
        now_ms: u64,
        dense_slots: &mut HashSet<u64>,
        sparse_slots: &mut HashSet<u64>,
    ) -> Option<Tier> {
        let age = now_ms.saturating_sub(version.created_ms);
        if age < millis(self.keep_all_for) {
            return Some(Tier::Recent);
        }
        let first_of_slot = if age < millis(self.dense_for) {
            dense_slots.insert(version.created_ms / millis(self.dense_every).max(1))
        } else if age < millis(self.sparse_for) {
            sparse_slots.insert(version.created_ms / millis(self.sparse_every).max(1))
        } else {
            false
        };
        first_of_slot.then_some(Tier::Slotted)
    }
}

/// Which part of the policy keeps a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// Younger than `keep_all_for`: every version.
    Recent,
    /// The newest of its dense or sparse slot.
    Slotted,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60_000;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    /// A "now" far from the epoch, on a day boundary.
    const NOW: u64 = 20_000 * DAY;

    /// Versions with ids rising as they get younger, at these ages.
    fn aged(ages_ms: &[u64]) -> Vec<Dated> {
        let mut ages = ages_ms.to_vec();
        ages.sort_unstable_by_key(|age| std::cmp::Reverse(*age));
        ages.iter()
            .enumerate()
            .map(|(i, age)| Dated {
                id: i as i64 + 1,
                created_ms: NOW - age,
            })
            .collect()
    }

    fn kept(policy: &Retention, versions: &[Dated], now: u64) -> Vec<i64> {
        let expired = policy.expired(versions, now);
        let mut kept: Vec<i64> = versions
            .iter()
            .map(|v| v.id)
            .filter(|id| !expired.contains(id))
            .collect();
        kept.sort_unstable();
        kept
    }

    #[test]
    fn every_version_of_the_last_hour_is_kept() {
        let versions = aged(&(0..60).map(|m| m * MINUTE).collect::<Vec<_>>());
        assert!(Retention::default().expired(&versions, NOW).is_empty());
    }

    #[test]
    fn within_a_day_one_per_ten_minutes_the_newest_of_each() {
        // About two hours ago: versions 121..=130 minutes old share one slot
        // (NOW is on a slot boundary), 131..=140 another.
        let ages: Vec<u64> = (121..=140).map(|m| m * MINUTE).collect();
        let versions = aged(&ages);
        let expired = Retention::default().expired(&versions, NOW);
        assert_eq!(expired.len(), 18, "two slots, one version each kept");
        let kept = kept(&Retention::default(), &versions, NOW);
        let kept_ages: Vec<u64> = kept
            .iter()
            .map(|id| NOW - versions[(*id - 1) as usize].created_ms)
            .collect();
        // The newest of each slot: created at the latest instant within it.
        assert_eq!(kept_ages, vec![131 * MINUTE, 121 * MINUTE]);
    }

    #[test]
    fn within_thirty_days_one_per_day_and_none_older() {
        // Four versions on each of days 2, 3 and 40 ago (hours apart).
        let mut ages = Vec::new();
        for day in [2, 3, 40] {
            for hour in 1..=4 {
                ages.push(day * DAY + hour * HOUR);
            }
        }
        ages.push(0);
        let versions = aged(&ages);
        let kept = kept(&Retention::default(), &versions, NOW);
        let kept_ages: Vec<u64> = kept
            .iter()
            .map(|id| NOW - versions[(*id - 1) as usize].created_ms)
            .collect();
        assert_eq!(kept_ages, vec![3 * DAY + HOUR, 2 * DAY + HOUR, 0]);
    }

    #[test]
    fn the_newest_version_is_kept_however_old() {
        let versions = aged(&[400 * DAY, 300 * DAY]);
        assert_eq!(kept(&Retention::default(), &versions, NOW), vec![2]);
    }

    #[test]
    fn a_version_dated_in_the_future_is_kept() {
        let versions = [
            Dated {
                id: 1,
                created_ms: NOW + HOUR,
            },
            Dated {
                id: 2,
                created_ms: NOW,
            },
        ];
        assert!(Retention::default().expired(&versions, NOW).is_empty());
    }

    #[test]
    fn the_count_cap_drops_the_oldest() {
        let policy = Retention {
            max_versions: 3,
            ..Retention::default()
        };
        let versions = aged(&[5 * MINUTE, 4 * MINUTE, 3 * MINUTE, 2 * MINUTE, MINUTE]);
        assert_eq!(kept(&policy, &versions, NOW), vec![3, 4, 5]);
    }

    #[test]
    fn a_busy_hour_gives_way_before_older_tiers() {
        let policy = Retention {
            max_versions: 10,
            ..Retention::default()
        };
        // Three versions a day and a week old, then twenty in the last hour.
        let mut ages = vec![7 * DAY, 2 * DAY, 3 * HOUR];
        ages.extend((1..=20).map(|k| k * MINUTE));
        let versions = aged(&ages);
        // The older tiers keep theirs (ids 1-3); the hour keeps its newest seven.
        assert_eq!(
            kept(&policy, &versions, NOW),
            vec![1, 2, 3, 17, 18, 19, 20, 21, 22, 23]
        );
        // Tiers that alone exceed the cap lose their oldest.
        let tight = Retention {
            max_versions: 2,
            ..Retention::default()
        };
        assert_eq!(kept(&tight, &versions, NOW), vec![3, 23]);
    }

    #[test]
    fn a_kept_version_stays_kept_as_time_passes() {
        // One version every 2 minutes for 3 days; whatever the policy keeps
        // at one instant, it kept at every earlier instant it existed.
        let policy = Retention::default();
        let versions: Vec<Dated> = (0..(3 * DAY / (2 * MINUTE)))
            .map(|i| Dated {
                id: i as i64 + 1,
                created_ms: NOW + i * 2 * MINUTE,
            })
            .collect();
        let end = NOW + 3 * DAY;
        let later = kept(&policy, &versions, end + 2 * DAY);
        let earlier = kept(&policy, &versions, end + 30 * MINUTE);
        assert!(!later.is_empty());
        for id in &later {
            assert!(earlier.contains(id), "version {id} came back");
        }
    }

    #[test]
    fn order_of_the_input_does_not_matter() {
        let mut versions = aged(&[3 * HOUR, 2 * HOUR + MINUTE, 2 * HOUR, 0]);
        let sorted = Retention::default().expired(&versions, NOW);
        versions.reverse();
        let mut reversed = Retention::default().expired(&versions, NOW);
        reversed.sort_unstable();
        let mut sorted = sorted;
        sorted.sort_unstable();
        assert_eq!(sorted, reversed);
    }
}
