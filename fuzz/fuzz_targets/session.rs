//! A sync session on a fresh board, fed a peer's frames: reassembly, decoding,
//! and applying updates to the board and presence table.

#![no_main]

use std::time::{Duration, Instant};

use inkmesh_doc::{Board, BoardOptions};
use inkmesh_transport::protocol::presence::{PresenceTable, Speaker, PRESENCE_EXPIRY};
use inkmesh_transport::protocol::session::{Ends, SyncSession};
use inkmesh_transport::protocol::{Limits, Role};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // yrs debug-asserts on some hostile updates (client ids over 53 bits),
        // and inkmesh-doc turns such panics into errors with `catch_unwind`, as
        // release builds never see them. libfuzzer-sys's hook would abort on
        // those caught panics; the default hook only prints them. A panic that
        // escapes still aborts: libfuzzer-sys catches it at the top.
        drop(std::panic::take_hook());
    },
    |data: &[u8]| {
        let Some((&first, data)) = data.split_first() else {
            return;
        };
        let role = if first & 1 == 0 { Role::Editor } else { Role::Viewer };
        let limits = Limits {
            max_frame_bytes: 64,
            max_message_bytes: 64 * 1024,
            viewer_max_message_bytes: 4 * 1024,
            max_partial_messages: 2,
            max_partial_bytes: 64 * 1024,
            reassembly_timeout: Duration::from_secs(10),
        };
        let mut options = BoardOptions::new("u-fuzz");
        options.client_id = Some(1);
        let mut board = Board::with_options(options);
        let mut table = PresenceTable::new(PRESENCE_EXPIRY);
        let ends = Ends {
            local: Role::Editor,
            remote: role,
            speaker: Speaker {
                id: 1,
                relay: first & 2 != 0,
            },
            // Links reports are read only by the keeper.
            keeper: first & 4 != 0,
        };
        let mut session = SyncSession::new(ends, limits);
        let _ = session.on_open(&board);
        for (frame, now) in inkmesh_fuzz::frames(data, Instant::now()) {
            match session.on_frame(&mut board, &mut table, frame, now) {
                // The glue sends an answer at once.
                Ok(out) if out.answered_step1 => session.answer_sent(),
                Ok(_) => {}
                // The peer would be disconnected here.
                Err(_) => return,
            }
        }
    }
);
