//! The pure frame codec (spec §1.1): `length | type<<24 | headerLen | header | body`.
//!
//! [`check`] tells whether a buffer holds a whole frame without copying; [`parse`] decodes one.
//! Neither does I/O, so the codec is tested (and fuzzed) on byte slices alone.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::command::{DecodeError, RemotingCommand, SerializeType};

/// Java's default maximum frame (`com.rocketmq.remoting.frameMaxLength`): 16 MiB.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// Why bytes are not (yet) a frame.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FrameError {
    /// More bytes are needed.
    #[error("incomplete frame")]
    Incomplete,
    /// The length field exceeds the configured maximum.
    #[error("frame length {len} exceeds the maximum {max}")]
    TooLarge {
        /// Announced length.
        len: u64,
        /// Configured maximum.
        max: usize,
    },
    /// The frame is structurally invalid.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// The header could not be decoded.
    #[error("malformed header: {0}")]
    Header(#[from] DecodeError),
}

/// Checks whether `buf` starts with a complete frame; returns its total length (including the
/// 4-byte length field).
///
/// # Errors
/// [`FrameError::Incomplete`] when more bytes are needed; other variants when the frame can never
/// be valid, and the connection should be closed.
pub fn check(buf: &[u8], max_frame: usize) -> Result<usize, FrameError> {
    if buf.len() < 4 {
        return Err(FrameError::Incomplete);
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as u64;
    if len > max_frame as u64 || len > i32::MAX as u64 {
        return Err(FrameError::TooLarge { len, max: max_frame });
    }
    if len < 4 {
        return Err(FrameError::Malformed(format!(
            "length {len} is shorter than the header-length word"
        )));
    }
    if buf.len() >= 8 {
        let header_len = (u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) & 0x00FF_FFFF) as u64;
        if header_len > len - 4 {
            return Err(FrameError::Malformed(format!(
                "header length {header_len} runs past the frame end ({len})"
            )));
        }
    }
    let total = 4 + len as usize;
    if buf.len() < total {
        return Err(FrameError::Incomplete);
    }
    Ok(total)
}

/// Decodes one complete frame (as returned by [`check`], length field included).
///
/// # Errors
/// [`FrameError`] when the frame or its header is malformed.
pub fn parse(mut frame: Bytes) -> Result<RemotingCommand, FrameError> {
    if frame.len() < 8 {
        return Err(FrameError::Malformed("frame shorter than 8 bytes".into()));
    }
    let len = frame.get_u32() as usize;
    if len != frame.len() {
        return Err(FrameError::Malformed(format!(
            "length {len} but {} bytes follow",
            frame.len()
        )));
    }
    let word = frame.get_u32();
    let ty = match (word >> 24) as u8 {
        0 => SerializeType::Json,
        1 => SerializeType::RocketMq,
        other => return Err(DecodeError::UnknownSerializeType(other).into()),
    };
    let header_len = (word & 0x00FF_FFFF) as usize;
    if header_len > frame.len() {
        return Err(FrameError::Malformed(format!(
            "header length {header_len} runs past the frame end"
        )));
    }
    let header = frame.split_to(header_len);
    let mut cmd = RemotingCommand::decode_header_bytes(ty, &header)?;
    cmd.body = frame;
    Ok(cmd)
}

/// Appends the encoded frame of `cmd` to `dst`.
pub fn encode(cmd: &RemotingCommand, dst: &mut BytesMut) {
    let header = cmd.encode_header();
    let len = 4 + header.len() + cmd.body.len();
    dst.reserve(4 + len);
    dst.put_u32(len as u32);
    dst.put_u32(((cmd.serialize_type.code() as u32) << 24) | (header.len() as u32 & 0x00FF_FFFF));
    dst.put_slice(&header);
    dst.put_slice(&cmd.body);
}

/// Encodes `cmd` into a fresh buffer.
pub fn encode_to_bytes(cmd: &RemotingCommand) -> Bytes {
    let mut b = BytesMut::new();
    encode(cmd, &mut b);
    b.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_body() {
        let mut cmd = RemotingCommand::request_empty(10).with_body(&b"hello"[..]);
        cmd.opaque = 9;
        let bytes = encode_to_bytes(&cmd);
        assert_eq!(check(&bytes, DEFAULT_MAX_FRAME), Ok(bytes.len()));
        assert_eq!(parse(bytes.clone()).unwrap(), cmd);
        for cut in 0..bytes.len() {
            assert_eq!(
                check(&bytes[..cut], DEFAULT_MAX_FRAME),
                Err(FrameError::Incomplete)
            );
        }
    }

    #[test]
    fn spec_example_prefix() {
        // Spec §1.1: a JSON header of 97 bytes with no body starts with 00 00 00 65 00 00 00 61.
        let prefix = [0u8, 0, 0, 0x65, 0, 0, 0, 0x61];
        // What a Java client sends for a request without a custom header (fastjson omits the
        // null extFields): exactly 97 bytes.
        let header: &[u8] = br#"{"code":105,"flag":0,"language":"JAVA","opaque":3,"serializeTypeCurrentRPC":"JSON","version":407}"#;
        assert_eq!(header.len(), 0x61);
        let frame = [&prefix[..], header].concat();

        // The prefix: total length 0x65 (the frame is 4 + 0x65 bytes), header length 0x61.
        assert_eq!(check(&frame, DEFAULT_MAX_FRAME), Ok(4 + 0x65));
        for cut in 0..frame.len() {
            assert_eq!(
                check(&frame[..cut], DEFAULT_MAX_FRAME),
                Err(FrameError::Incomplete),
                "{cut} bytes"
            );
        }
        // Bytes after the frame belong to the next one.
        let mut two = frame.clone();
        two.extend_from_slice(&prefix);
        assert_eq!(check(&two, DEFAULT_MAX_FRAME), Ok(frame.len()));

        // The whole frame parses: a JSON header of exactly those 97 bytes, and no body.
        let cmd = parse(Bytes::from(frame)).unwrap();
        assert_eq!(cmd.serialize_type, SerializeType::Json);
        assert_eq!(cmd.code, 105);
        assert_eq!(cmd.flag, 0);
        assert_eq!(cmd.language_name(), "JAVA");
        assert_eq!(cmd.opaque, 3);
        assert_eq!(cmd.version, 407);
        assert_eq!(cmd.remark, None);
        assert!(cmd.ext_fields.is_empty(), "{:?}", cmd.ext_fields);
        assert!(cmd.body.is_empty(), "{:?}", cmd.body);

        // A header length one byte off either way does not give that command.
        for header_len in [0x60u8, 0x62] {
            let mut off = [&prefix[..], header].concat();
            off[7] = header_len;
            assert_ne!(parse(Bytes::from(off)).ok(), Some(cmd.clone()), "{header_len:#x}");
        }
    }

    #[test]
    fn rejects_oversized_and_inconsistent_frames() {
        let big = (DEFAULT_MAX_FRAME as u32 + 1).to_be_bytes();
        assert!(matches!(
            check(&big, DEFAULT_MAX_FRAME),
            Err(FrameError::TooLarge { .. })
        ));
        let bad_header = [0u8, 0, 0, 8, 0, 0, 0, 200, 1, 2, 3, 4];
        assert!(matches!(
            check(&bad_header, DEFAULT_MAX_FRAME),
            Err(FrameError::Malformed(_))
        ));
        let tiny = [0u8, 0, 0, 2, 0, 0];
        assert!(matches!(
            check(&tiny, DEFAULT_MAX_FRAME),
            Err(FrameError::Malformed(_))
        ));
        let bad_type = Bytes::from_static(&[0, 0, 0, 6, 7, 0, 0, 2, b'{', b'}']);
        assert!(matches!(
            parse(bad_type),
            Err(FrameError::Header(DecodeError::UnknownSerializeType(7)))
        ));
    }
}
