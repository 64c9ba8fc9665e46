//! Frame codec and both header encodings on arbitrary bytes (what a client can put on the socket).
//!
//! Checks: `check`/`parse` never panic; `check` never claims more bytes than it was given; a frame
//! that parses re-encodes to a frame that parses back to the same command; the same holds for the
//! input read directly as a JSON or a ROCKETMQ header.
#![no_main]

use broker::remoting::command::{RemotingCommand, SerializeType};
use broker::remoting::frame::{self, FrameError};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

/// Small enough that the fuzzer reaches the limit with short inputs.
const MAX_FRAME: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    match frame::check(data, MAX_FRAME) {
        Ok(total) => {
            assert!((8..=data.len()).contains(&total), "check returned {total}");
            if let Ok(cmd) = frame::parse(Bytes::copy_from_slice(&data[..total])) {
                frame_round_trip(&cmd);
            }
        }
        Err(FrameError::Incomplete) => {
            // Incomplete means a longer buffer may still be a frame: never for a bad length word.
            if data.len() >= 4 {
                let len = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
                assert!((4..=MAX_FRAME).contains(&len));
            }
        }
        Err(_) => {}
    }
    // parse() is also given bytes check() did not approve (the client and tests call it directly).
    let _ = frame::parse(Bytes::copy_from_slice(data));
    for ty in [SerializeType::Json, SerializeType::RocketMq] {
        if let Ok(cmd) = RemotingCommand::decode_header_bytes(ty, data) {
            header_round_trip(ty, &cmd);
        }
    }
});

fn frame_round_trip(cmd: &RemotingCommand) {
    let encoded = frame::encode_to_bytes(cmd);
    assert_eq!(frame::check(&encoded, usize::MAX >> 1), Ok(encoded.len()));
    let back = frame::parse(encoded).expect("our own frame parses");
    assert_eq!(&back, cmd, "frame round trip");
}

fn header_round_trip(ty: SerializeType, cmd: &RemotingCommand) {
    let bytes = cmd.encode_header();
    let back = RemotingCommand::decode_header_bytes(ty, &bytes).expect("our own header decodes");
    assert_eq!(&back, cmd, "header round trip");
}
