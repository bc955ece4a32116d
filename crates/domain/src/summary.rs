//! Summaries: statuses counted per unit and group, and rolled up to parent units.

use serde::{Deserialize, Serialize};

use crate::{Ratio, Status};

/// How many indicators stand at each status. `applicable` is every status but not applicable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub applicable: u32,
    pub achieved: u32,
    pub in_progress: u32,
    pub not_achieved: u32,
    pub no_data: u32,
    pub not_applicable: u32,
}

impl Counts {
    pub fn add(&mut self, status: Status, n: u32) {
        match status {
            Status::Achieved => self.achieved += n,
            Status::InProgress => self.in_progress += n,
            Status::NotAchieved => self.not_achieved += n,
            Status::NoData => self.no_data += n,
            Status::NotApplicable => self.not_applicable += n,
        }
        if status != Status::NotApplicable {
            self.applicable += n;
        }
    }

    /// Adds another unit's or group's counts, for roll-ups.
    pub fn merge(&mut self, other: &Counts) {
        self.applicable += other.applicable;
        self.achieved += other.achieved;
        self.in_progress += other.in_progress;
        self.not_achieved += other.not_achieved;
        self.no_data += other.no_data;
        self.not_applicable += other.not_applicable;
    }

    pub fn get(&self, status: Status) -> u32 {
        match status {
            Status::Achieved => self.achieved,
            Status::InProgress => self.in_progress,
            Status::NotAchieved => self.not_achieved,
            Status::NoData => self.no_data,
            Status::NotApplicable => self.not_applicable,
        }
    }

    /// Achieved over applicable, or `None` when nothing applies.
    pub fn completion(&self) -> Option<Ratio> {
        (self.applicable > 0)
            .then(|| Ratio::new(i128::from(self.achieved), i128::from(self.applicable)))
    }

    /// Whether every applicable indicator is achieved (and at least one applies): what the
    /// default recognition rule asks.
    pub fn all_achieved(&self) -> bool {
        self.applicable > 0 && self.achieved == self.applicable
    }

    /// Completion in whole percent, rounded down so that 99.9% never shows as 100%.
    pub fn completion_percent(&self) -> u32 {
        match self.applicable {
            0 => 0,
            n => self.achieved * 100 / n,
        }
    }
}

/// League-table places by completion, best first, in "1, 2, 2, 4" form: units with the same
/// completion share a place and the next place skips as many. Units with nothing applicable get
/// no place. The result is in the order of `counts`.
pub fn completion_ranks(counts: &[Counts]) -> Vec<Option<u32>> {
    let completions: Vec<Option<Ratio>> = counts.iter().map(Counts::completion).collect();
    completions
        .iter()
        .map(|mine| {
            mine.map(|mine| {
                1 + completions
                    .iter()
                    .filter(|other| other.is_some_and(|o| o > mine))
                    .count() as u32
            })
        })
        .collect()
}

impl FromIterator<Status> for Counts {
    fn from_iter<I: IntoIterator<Item = Status>>(iter: I) -> Self {
        let mut c = Counts::default();
        for s in iter {
            c.add(s, 1);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_merges() {
        let mut a: Counts = [Status::Achieved, Status::Achieved, Status::NotApplicable]
            .into_iter()
            .collect();
        assert_eq!((a.applicable, a.achieved, a.not_applicable), (2, 2, 1));
        let b: Counts = [Status::NoData, Status::InProgress].into_iter().collect();
        a.merge(&b);
        assert_eq!(a.applicable, 4);
        assert_eq!(a.completion_percent(), 50);
        assert_eq!(Counts::default().completion(), None);
    }

    #[test]
    fn ties_share_a_place_and_the_next_place_skips() {
        let c = |achieved, applicable| Counts {
            achieved,
            applicable,
            ..Counts::default()
        };
        // 28/31 (90.3%) is ahead of 27/30 (90%); the two 26/31 share fourth place.
        let counts = [
            c(26, 31),
            c(28, 31),
            c(27, 30),
            c(26, 31),
            c(0, 0),
            c(31, 31),
        ];
        assert_eq!(
            completion_ranks(&counts),
            [Some(4), Some(2), Some(3), Some(4), None, Some(1)]
        );
        // Equal fractions are equal places, whatever their terms.
        assert_eq!(completion_ranks(&[c(1, 2), c(15, 30)]), [Some(1), Some(1)]);
        assert!(c(31, 31).all_achieved() && !c(30, 31).all_achieved() && !c(0, 0).all_achieved());
    }
}
