//! A device's subscription: everything it may read since its cursor, then new
//! entries as they arrive, on one stream.
//!
//! The log is the only source: a notification just says "look again", so a
//! device that falls behind (slow link, lagging notifications) loses nothing,
//! and QUIC flow control holds the loop back when the device reads slowly.

use bloom_core::HasCode;
use bloom_core::sync::log::{DeviceId, Entry};
use bloom_core::sync::proto::{self, Message};
use tokio::sync::broadcast::error::RecvError;

use crate::quic::QuicContext;
use crate::store::{RelayStore, StoreEvent};

/// Entries read from the store at a time.
const PAGE: usize = 256;
/// Room for a frame's fixed parts besides the entries.
const FRAME_SLACK: usize = 1024;

pub async fn run<S: RelayStore>(
    ctx: &QuicContext<S>,
    device: &DeviceId,
    since: u64,
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    conn: &quinn::Connection,
) {
    // Subscribe before the first read so nothing appended meanwhile is missed.
    let mut events = ctx.store.events();
    let mut cursor = since;
    let mut first = true;
    let mut listening = true;
    loop {
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
        let head = ctx.store.head().await.unwrap_or(cursor);
        if let Some(last) = page.last() {
            cursor = last.seq;
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

/// Sends a page as one or more frames, each within the frame limit.
async fn send_page<S: RelayStore>(
    ctx: &QuicContext<S>,
    send: &mut quinn::SendStream,
    page: Vec<Entry>,
    head: u64,
    caught_up: bool,
) -> Result<(), proto::FrameError> {
    let budget = ctx.max_frame.saturating_sub(FRAME_SLACK);
    let mut batch: Vec<Entry> = Vec::new();
    let mut size = 0;
    let total = page.len();
    for (i, entry) in page.into_iter().enumerate() {
        let entry_size = entry_size(&entry);
        if !batch.is_empty() && size + entry_size > budget {
            let msg = Message::Entries {
                entries: std::mem::take(&mut batch),
                head,
                caught_up: false,
            };
            proto::write_frame(send, &msg, ctx.max_frame).await?;
            size = 0;
        }
        size += entry_size;
        batch.push(entry);
        if i + 1 == total {
            break;
        }
    }
    let msg = Message::Entries {
        entries: batch,
        head,
        caught_up,
    };
    proto::write_frame(send, &msg, ctx.max_frame).await
}

fn entry_size(entry: &Entry) -> usize {
    match &entry.item {
        bloom_core::sync::log::LogItem::Blob(blob) => blob.body.len() + blob.doc.len() + 96,
        _ => 512,
    }
}
