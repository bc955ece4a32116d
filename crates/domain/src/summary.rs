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

    /// Completion in whole percent, rounded down so that 99.9% never shows as 100%.
    pub fn completion_percent(&self) -> u32 {
        match self.applicable {
            0 => 0,
            n => self.achieved * 100 / n,
        }
    }
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
}
