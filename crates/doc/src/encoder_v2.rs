//! A Yjs v2 update encoder that writes what yrs 0.28.1's `EncoderV2` gets
//! wrong, so that yrs and Yjs can read every v2 update we write.
//!
//! - Binary content: `EncoderV2::write_all` length-prefixes its input, so
//!   binary item content (what Yjs makes of every `Uint8Array`, such as the
//!   point chunks a browser appends) gets its length written twice. This
//!   wrapper writes raw bytes through the encoder's single-byte writer.
//!   `crates/doc/tests/crosslang.rs` re-encodes a Yjs board in v2 to hold this.
//! - Skip structs: yrs writes a skip's length with `write_len` (in v2, the
//!   length column) but reads it, as Yjs writes it, as a varuint in the rest
//!   of the update. A board holds a skip wherever it has a client's later
//!   structs but not its earlier ones (an edit delivered before the one it
//!   follows), and its v2 snapshot then failed to load ("an unexpected value
//!   was found"). This wrapper writes the length after a skip's info byte as a
//!   varuint. `crates/doc/tests/snapshot_gaps.rs` holds this.
//!
//! Everything else is delegated.

use yrs::block::BLOCK_SKIP_REF_NUMBER;
use yrs::encoding::write::Write;
use yrs::updates::encoder::{Encoder, EncoderV2};
use yrs::{Any, ClientID, ID};

pub(crate) struct FixedEncoderV2 {
    encoder: EncoderV2,
    /// The last struct info written was a skip's, so the next `write_len` is
    /// its length (yrs writes nothing else between the two).
    after_skip_info: bool,
}

impl FixedEncoderV2 {
    pub(crate) fn new() -> Self {
        Self {
            encoder: EncoderV2::new(),
            after_skip_info: false,
        }
    }
}

impl Write for FixedEncoderV2 {
    fn write_all(&mut self, buf: &[u8]) {
        for &b in buf {
            self.write_u8(b);
        }
    }

    fn write_u8(&mut self, value: u8) {
        // yrs's other skip writer (`Block::encode_with_offset`) writes the
        // length as a varuint itself, through here.
        self.after_skip_info = false;
        self.encoder.write_u8(value);
    }

    fn write_string(&mut self, s: &str) {
        self.encoder.write_string(s);
    }
}

impl Encoder for FixedEncoderV2 {
    fn to_vec(self) -> Vec<u8> {
        self.encoder.to_vec()
    }
    fn reset_ds_cur_val(&mut self) {
        self.encoder.reset_ds_cur_val();
    }
    fn write_ds_clock(&mut self, clock: u32) {
        self.encoder.write_ds_clock(clock);
    }
    fn write_ds_len(&mut self, len: u32) {
        self.encoder.write_ds_len(len);
    }
    fn write_left_id(&mut self, id: &ID) {
        self.encoder.write_left_id(id);
    }
    fn write_right_id(&mut self, id: &ID) {
        self.encoder.write_right_id(id);
    }
    fn write_client(&mut self, client: ClientID) {
        self.encoder.write_client(client);
    }
    fn write_info(&mut self, info: u8) {
        // No item has content ref 10 and no flags: this byte is only a skip's.
        self.after_skip_info = info == BLOCK_SKIP_REF_NUMBER;
        self.encoder.write_info(info);
    }
    fn write_parent_info(&mut self, is_y_key: bool) {
        self.encoder.write_parent_info(is_y_key);
    }
    fn write_type_ref(&mut self, info: u8) {
        self.encoder.write_type_ref(info);
    }
    fn write_len(&mut self, len: u32) {
        if std::mem::take(&mut self.after_skip_info) {
            self.write_var(len);
        } else {
            self.encoder.write_len(len);
        }
    }
    fn write_any(&mut self, any: &Any) {
        self.encoder.write_any(any);
    }
    fn write_json(&mut self, any: &Any) {
        self.encoder.write_json(any);
    }
    fn write_key(&mut self, key: &str) {
        self.encoder.write_key(key);
    }
}
