//! "Change this and following occurrences": one series becomes two, so the
//! past stays exactly as it was (notes and bills point at it) and only the
//! future changes.

use chrono::{NaiveDate, NaiveDateTime};

use super::{Recurrence, ScheduleError};

impl Recurrence {
    /// Splits the series at `date`: the first part keeps every occurrence
    /// before `date` and ends the day before; the second starts at
    /// `new_first_start_local` with `new_duration_min`, same frequency and
    /// zone, and takes over the rest of the original end (the remaining count,
    /// or the same until date).
    ///
    /// Exceptions before `date` stay with the first part; later ones move to
    /// the second if it still has an occurrence on their date, and are
    /// dropped otherwise (the occurrence they changed no longer exists).
    ///
    /// Fails if `date` is not after the first occurrence or leaves nothing
    /// after it, or if the second part would start on or before the first
    /// part's last occurrence.
    pub fn split_at(
        &self,
        date: NaiveDate,
        new_first_start_local: NaiveDateTime,
        new_duration_min: u32,
    ) -> Result<(Recurrence, Recurrence), ScheduleError> {
        self.validate()?;
        let outside = ScheduleError::SplitOutsideSeries { date };
        // Occurrences strictly before `date`, skipped ones included (they
        // count toward a count).
        let near = self.index_near(date);
        let before = match self.unbounded_date(near) {
            Some(d) if d < date => near.saturating_add(1),
            _ => near,
        };
        if before == 0 || self.date_of(before).is_none() {
            return Err(outside);
        }
        let last_kept = self.date_of(before - 1).ok_or(outside.clone())?;
        if new_first_start_local.date() <= last_kept {
            return Err(ScheduleError::SplitOverlaps);
        }

        let (kept, moved): (Vec<_>, Vec<_>) = self
            .exceptions
            .iter()
            .cloned()
            .partition(|e| e.original_date < date);

        let mut old = self.clone();
        old.until = Some(date.pred_opt().ok_or(outside)?);
        old.count = None;
        old.exceptions = kept;

        let mut new = Recurrence::new(
            self.frequency,
            new_first_start_local,
            new_duration_min,
            self.tz,
        );
        new.until = self.until;
        new.count = self.count.map(|count| count - before);
        new.exceptions = moved
            .into_iter()
            .filter(|e| new.is_occurrence_date(e.original_date))
            .collect();

        old.validate()?;
        new.validate()?;
        Ok((old, new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::at::{day, local, utc};
    use crate::schedule::{Change, Exception, Frequency};
    use chrono_tz::America::New_York;

    fn mondays(count: Option<u32>) -> Recurrence {
        let mut series = Recurrence::new(Frequency::Weekly, local(2026, 3, 2, 10, 0), 50, New_York);
        series.count = count;
        series
    }

    #[test]
    fn moving_a_weekly_series_to_tuesdays_from_april_on() {
        let mut series = mondays(Some(10));
        series.exceptions = vec![
            Exception {
                original_date: day(2026, 3, 9),
                change: Change::Skip,
            },
            Exception {
                original_date: day(2026, 4, 6),
                change: Change::Skip,
            },
            Exception {
                original_date: day(2026, 4, 13),
                change: Change::Skip,
            },
        ];
        let (old, new) = series
            .split_at(day(2026, 4, 6), local(2026, 4, 7, 11, 0), 45)
            .unwrap();

        // The past is untouched and ends on 5 April.
        assert_eq!(old.until, Some(day(2026, 4, 5)));
        assert_eq!(old.count, None);
        assert_eq!(old.last_date(), Some(day(2026, 3, 30)));
        assert_eq!(old.exceptions, vec![series.exceptions[0].clone()]);
        let window = (utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0));
        assert_eq!(old.occurrences(window.0, window.1).unwrap().len(), 4); // 5 minus the skip

        // The future: 5 left of 10, on Tuesdays at 11:00 for 45 minutes. The
        // skips were for Mondays that no longer exist.
        assert_eq!(new.count, Some(5));
        assert_eq!(new.first_start_local, local(2026, 4, 7, 11, 0));
        assert_eq!(new.duration_min, 45);
        assert!(new.exceptions.is_empty());
        assert_eq!(new.last_date(), Some(day(2026, 5, 5)));
    }

    #[test]
    fn exceptions_that_still_fit_follow_the_new_part() {
        let mut series = mondays(None);
        series.until = Some(day(2026, 6, 29));
        series.exceptions = vec![Exception {
            original_date: day(2026, 5, 4),
            change: Change::Skip,
        }];
        // Same Mondays, an hour later.
        let (old, new) = series
            .split_at(day(2026, 4, 6), local(2026, 4, 6, 11, 0), 50)
            .unwrap();
        assert!(old.exceptions.is_empty());
        assert_eq!(new.until, Some(day(2026, 6, 29)));
        assert_eq!(new.exceptions, series.exceptions);
    }

    #[test]
    fn splitting_outside_the_series_is_refused() {
        let series = mondays(Some(3)); // 2, 9, 16 March
        let at = |d, start| series.split_at(d, start, 50);
        assert_eq!(
            at(day(2026, 3, 2), local(2026, 3, 3, 10, 0)),
            Err(ScheduleError::SplitOutsideSeries {
                date: day(2026, 3, 2)
            })
        );
        assert_eq!(
            at(day(2026, 3, 17), local(2026, 3, 18, 10, 0)),
            Err(ScheduleError::SplitOutsideSeries {
                date: day(2026, 3, 17)
            })
        );
        // The new part may not start on or before the last kept occurrence.
        assert_eq!(
            at(day(2026, 3, 16), local(2026, 3, 9, 12, 0)),
            Err(ScheduleError::SplitOverlaps)
        );
        // Nor may it be garbage.
        assert_eq!(
            series.split_at(day(2026, 3, 16), local(2026, 3, 16, 12, 0), 0),
            Err(ScheduleError::Duration { minutes: 0 })
        );
    }
}
