//! A device's subscription: everything it may read since its cursor, then new
//! entries as they arrive, on one stream.
//!
//! The log is the only source: a notification just says "look again", so a
//! device that falls behind (slow link, lagging notifications) loses nothing,
//! and QUIC flow control holds the loop back when the device reads slowly.

use bloom_core::HasCode;
use bloom_core::sync::log::{DeviceInfo, Entry};
use bloom_core::sync::proto::{self, DEFAULT_MAX_FRAME, Message};
use tokio::sync::broadcast::error::RecvError;

use crate::quic::QuicContext;
use crate::store::{RelayStore, StoreEvent};

/// Entries read from the store at a time: with blobs up to 768 KiB, this
/// bounds what one subscription holds in memory (~24 MiB at worst).
const PAGE: usize = 32;
/// Room for a frame's fixed parts besides the entries.
const FRAME_SLACK: usize = 1024;

pub async fn run<S: RelayStore>(
    ctx: &QuicContext<S>,
    info: &DeviceInfo,
    since: u64,
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    conn: &quinn::Connection,
) {
    let device = &info.id;
    // Subscribe before the first read so nothing appended meanwhile is missed.
    let mut events = ctx.store.events();
    let mut inbox = ctx.portal.news();
    let mut cursor = since;
    let mut first = true;
    let mut listening = true;
    loop {
        // Read before the page: once caught up, everything up to here that
        // this device may read is in the page, so the cursor can skip the
        // rest (other devices' documents) instead of rescanning it on every
        // append.
        let head = ctx.store.head().await.unwrap_or(cursor);
        let page = match ctx.store.since(device, cursor, PAGE).await {
            Ok(page) => page,
            Err(e) => {
                tracing::warn!(code = %e.code(), "cannot read the log");
                let _ = proto::write_frame(
                    &mut send,
                    &Message::error(e.code(), "the relay's storage failed"),
                    ctx.max_frame,
                )
                .await;
                return;
            }
        };
        let caught_up = page.len() < PAGE;
        if let Some(last) = page.last() {
            cursor = last.seq;
        }
        if caught_up {
            cursor = cursor.max(head);
        }
        if !page.is_empty() || first {
            first = false;
            if send_page(ctx, &mut send, page, head, caught_up)
                .await
                .is_err()
            {
                return;
            }
        }
        if !caught_up {
            continue;
        }
        // Wait for news, or for the device to go away.
        loop {
            let mut probe = [0u8; 1];
            tokio::select! {
                event = events.recv() => match event {
                    Ok(StoreEvent::Appended { head }) if head > cursor => break,
                    Ok(StoreEvent::Appended { .. }) => continue,
                    Ok(StoreEvent::Revoked(id)) if &id == device => return,
                    Ok(StoreEvent::Revoked(_)) => continue,
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return,
                },
                // A patient submitted something for this device's member.
                news = inbox.recv() => {
                    let ours = match news {
                        Ok(member) => member == info.member,
                        Err(RecvError::Lagged(_)) => true,
                        Err(RecvError::Closed) => false,
                    };
                    if ours
                        && proto::write_frame(&mut send, &Message::InboxWaiting, DEFAULT_MAX_FRAME)
                            .await
                            .is_err()
                    {
                        return;
                    }
                },
                // Gone, whatever the streams say (a relay shutting down
                // waits for these tasks before it frees its port).
                _ = conn.closed() => return,
                read = recv.read(&mut probe), if listening => match read {
                    // The device finished its side: fine, keep pushing.
                    Ok(None) => listening = false,
                    // Nothing more may come on a subscription; a reset ends it.
                    Ok(Some(_)) | Err(_) => return,
                },
            }
        }
    }
}

/// Sends a page as one or more frames, each within the frame limit the
/// device reads with.
async fn send_page<S: RelayStore>(
    ctx: &QuicContext<S>,
    send: &mut quinn::SendStream,
    page: Vec<Entry>,
    head: u64,
    caught_up: bool,
) -> Result<(), proto::FrameError> {
    let budget = ctx
        .max_frame
        .min(DEFAULT_MAX_FRAME)
        .saturating_sub(FRAME_SLACK);
    let mut batch: Vec<Entry> = Vec::new();
    let mut size = 0;
    for entry in page {
        let entry_size = postcard::to_stdvec(&entry)
            .map(|b| b.len())
            .unwrap_or(usize::MAX);
        if entry_size > budget {
            // The store keeps entries below the frame limit (blob size
            // limit, revocations in chunks); one that is not cannot be sent.
            tracing::error!(seq = entry.seq, "a log entry is larger than a frame");
            return Err(proto::FrameError::Oversized {
                len: entry_size,
                max: budget,
            });
        }
        if !batch.is_empty() && size + entry_size > budget {
            let msg = Message::Entries {
                entries: std::mem::take(&mut batch),
                head,
                caught_up: false,
            };
            proto::write_frame(send, &msg, DEFAULT_MAX_FRAME).await?;
            size = 0;
        }
        size += entry_size;
        batch.push(entry);
    }
    let msg = Message::Entries {
        entries: batch,
        head,
        caught_up,
    };
    proto::write_frame(send, &msg, DEFAULT_MAX_FRAME).await
}
