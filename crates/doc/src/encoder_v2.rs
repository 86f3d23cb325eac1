//! A Yjs v2 update encoder that writes binary content correctly.
//!
//! yrs 0.28.1's `EncoderV2::write_all` length-prefixes its input, so binary
//! item content (what Yjs makes of every `Uint8Array`, such as the point chunks
//! a browser appends) gets its length written twice, and neither yrs nor Yjs
//! can read the update back. This wrapper writes raw bytes through the
//! encoder's single-byte writer and delegates everything else.
//! `crates/doc/tests/crosslang.rs` re-encodes a Yjs board in v2 to hold this.

use yrs::encoding::write::Write;
use yrs::updates::encoder::{Encoder, EncoderV2};
use yrs::{Any, ClientID, ID};

pub(crate) struct FixedEncoderV2(EncoderV2);

impl FixedEncoderV2 {
    pub(crate) fn new() -> Self {
        Self(EncoderV2::new())
    }
}

impl Write for FixedEncoderV2 {
    fn write_all(&mut self, buf: &[u8]) {
        for &b in buf {
            self.0.write_u8(b);
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.0.write_u8(value);
    }

    fn write_string(&mut self, s: &str) {
        self.0.write_string(s);
    }
}

impl Encoder for FixedEncoderV2 {
    fn to_vec(self) -> Vec<u8> {
        self.0.to_vec()
    }
    fn reset_ds_cur_val(&mut self) {
        self.0.reset_ds_cur_val();
    }
    fn write_ds_clock(&mut self, clock: u32) {
        self.0.write_ds_clock(clock);
    }
    fn write_ds_len(&mut self, len: u32) {
        self.0.write_ds_len(len);
    }
    fn write_left_id(&mut self, id: &ID) {
        self.0.write_left_id(id);
    }
    fn write_right_id(&mut self, id: &ID) {
        self.0.write_right_id(id);
    }
    fn write_client(&mut self, client: ClientID) {
        self.0.write_client(client);
    }
    fn write_info(&mut self, info: u8) {
        self.0.write_info(info);
    }
    fn write_parent_info(&mut self, is_y_key: bool) {
        self.0.write_parent_info(is_y_key);
    }
    fn write_type_ref(&mut self, info: u8) {
        self.0.write_type_ref(info);
    }
    fn write_len(&mut self, len: u32) {
        self.0.write_len(len);
    }
    fn write_any(&mut self, any: &Any) {
        self.0.write_any(any);
    }
    fn write_json(&mut self, any: &Any) {
        self.0.write_json(any);
    }
    fn write_key(&mut self, key: &str) {
        self.0.write_key(key);
    }
}
