//! Booking rules the relay enforces and the desktop shows: a patient may
//! request only a slot the therapist published, in the future, and may cancel
//! only before the practice's notice period starts.

use super::PublishedSlot;

const HOUR_MS: i64 = 3_600_000;

/// Why a booking or cancellation is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("that time is not offered")]
    NotPublished,
    #[error("that time has passed")]
    InThePast,
    #[error("cancelling needs {notice_hours} hours' notice")]
    TooLate { notice_hours: u32 },
}

impl crate::HasCode for BookingError {
    fn code(&self) -> crate::Code {
        match self {
            BookingError::NotPublished | BookingError::InThePast => {
                crate::Code::PortalSlotUnavailable
            }
            BookingError::TooLate { .. } => crate::Code::PortalCancelTooLate,
        }
    }
}

/// Checks that `wanted` is exactly one of `published` and starts after `now_ms`.
pub fn check_request(
    published: &[PublishedSlot],
    wanted: PublishedSlot,
    now_ms: i64,
) -> Result<(), BookingError> {
    if !published.contains(&wanted) {
        return Err(BookingError::NotPublished);
    }
    if wanted.start_ms <= now_ms {
        return Err(BookingError::InThePast);
    }
    Ok(())
}

/// Checks that an appointment starting at `start_ms` may still be cancelled
/// at `now_ms` with `notice_hours` of notice required.
pub fn check_cancel(start_ms: i64, now_ms: i64, notice_hours: u32) -> Result<(), BookingError> {
    if start_ms <= now_ms {
        return Err(BookingError::InThePast);
    }
    if start_ms - now_ms < i64::from(notice_hours) * HOUR_MS {
        return Err(BookingError::TooLate { notice_hours });
    }
    Ok(())
}

/// The published slots still open: in the future and not overlapping any of
/// `taken` (requested or confirmed appointments of any patient; the patient
/// only ever sees the remaining slots, never why one is gone).
pub fn open_slots(
    published: &[PublishedSlot],
    taken: &[PublishedSlot],
    now_ms: i64,
) -> Vec<PublishedSlot> {
    let mut open: Vec<PublishedSlot> = published
        .iter()
        .copied()
        .filter(|s| s.start_ms > now_ms)
        .filter(|s| {
            !taken
                .iter()
                .any(|t| t.start_ms < s.end_ms && s.start_ms < t.end_ms)
        })
        .collect();
    open.sort();
    open.dedup();
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(h: i64) -> PublishedSlot {
        PublishedSlot {
            start_ms: h * HOUR_MS,
            end_ms: h * HOUR_MS + 50 * 60_000,
        }
    }

    #[test]
    fn only_published_future_slots_can_be_requested() {
        let published = [slot(10), slot(11)];
        assert_eq!(check_request(&published, slot(10), 0), Ok(()));
        assert_eq!(
            check_request(&published, slot(12), 0),
            Err(BookingError::NotPublished)
        );
        let shifted = PublishedSlot {
            start_ms: slot(10).start_ms + 1,
            ..slot(10)
        };
        assert_eq!(
            check_request(&published, shifted, 0),
            Err(BookingError::NotPublished)
        );
        assert_eq!(
            check_request(&published, slot(10), 10 * HOUR_MS),
            Err(BookingError::InThePast)
        );
    }

    #[test]
    fn cancelling_respects_the_notice_period() {
        let start = 48 * HOUR_MS;
        assert_eq!(check_cancel(start, 0, 24), Ok(()));
        assert_eq!(check_cancel(start, 24 * HOUR_MS, 24), Ok(()));
        assert_eq!(
            check_cancel(start, 24 * HOUR_MS + 1, 24),
            Err(BookingError::TooLate { notice_hours: 24 })
        );
        assert_eq!(check_cancel(start, start, 0), Err(BookingError::InThePast));
    }

    #[test]
    fn taken_and_past_slots_are_not_offered() {
        let published = [slot(1), slot(2), slot(3), slot(3)];
        let taken = [PublishedSlot {
            start_ms: 2 * HOUR_MS + 10 * 60_000,
            end_ms: 2 * HOUR_MS + 20 * 60_000,
        }];
        assert_eq!(open_slots(&published, &taken, HOUR_MS + 1), vec![slot(3)]);
    }
}
