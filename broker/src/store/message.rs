//! Message records as they sit in the commitlog, travel in PULL bodies and in the HA stream.
//!
//! One encoder and one decoder for the record layout of spec §2.6, the properties string codec and the
//! SEND_BATCH_MESSAGE body decoder, so the store, the send/pull processors and the HA code agree on
//! every byte. Field offsets and magic values come from [`super::format`].

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::error::{Result, StoreError};
use super::format::{
    self, property, record, sys_flag, MESSAGE_MAGIC_CODE_V1, MESSAGE_MAGIC_CODE_V2,
    PROPERTY_NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR,
};

/// Longest topic a v1 record can hold.
pub const MAX_TOPIC_LEN_V1: usize = record::MAX_TOPIC_LEN_V1;

/// A message as the broker hands it to the store: everything except the offsets and the store
/// timestamp, which the store assigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageToStore {
    /// Topic name (1..=127 bytes UTF-8).
    pub topic: String,
    /// Queue the message goes to.
    pub queue_id: i32,
    /// User flag from the send header.
    pub flag: i32,
    /// `MessageSysFlag` bits; the host-IPv6 bits are recomputed from the addresses.
    pub sys_flag: i32,
    /// Producer's timestamp (ms).
    pub born_timestamp: i64,
    /// Producer socket address.
    pub born_host: SocketAddr,
    /// Broker address (`brokerIP1:listenPort`).
    pub store_host: SocketAddr,
    /// Times the message was re-delivered.
    pub reconsume_times: i32,
    /// Commitlog offset of the prepared half message (transactions), else 0.
    pub prepared_transaction_offset: i64,
    /// Message body (possibly compressed, see `sys_flag`).
    pub body: Vec<u8>,
    /// Encoded properties string (see [`encode_properties`]).
    pub properties: String,
    /// Consume-queue tagsCode: [`tags_code`] of the `TAGS` property, or a delivery time for
    /// `SCHEDULE_TOPIC_XXXX`.
    pub tags_code: i64,
}

impl MessageToStore {
    /// `sys_flag` with the IPv6 bits set to match the two addresses.
    pub fn effective_sys_flag(&self) -> i32 {
        let mut f = self.sys_flag & !(sys_flag::BORNHOST_V6 | sys_flag::STOREHOST_V6);
        if self.born_host.is_ipv6() {
            f |= sys_flag::BORNHOST_V6;
        }
        if self.store_host.is_ipv6() {
            f |= sys_flag::STOREHOST_V6;
        }
        f
    }

    /// Length of the record this message encodes to.
    pub fn record_len(&self) -> usize {
        record::FIXED_LEN_V4
            + extra_host_len(&self.born_host)
            + extra_host_len(&self.store_host)
            + self.body.len()
            + self.topic.len()
            + self.properties.len()
    }

    /// Checks the limits a record must respect.
    ///
    /// # Errors
    /// [`StoreError::MessageIllegal`] for an empty or too long topic or a body over `max_body`;
    /// [`StoreError::PropertiesSizeExceeded`] for properties over 32767 bytes.
    pub fn validate(&self, max_body: usize) -> Result<()> {
        if self.topic.is_empty() || self.topic.len() > MAX_TOPIC_LEN_V1 {
            return Err(StoreError::MessageIllegal(format!(
                "topic length {} is not in 1..={MAX_TOPIC_LEN_V1}",
                self.topic.len()
            )));
        }
        // Java's TopicValidator character set; it also keeps topic names safe as directory names.
        if !self
            .topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'%' | b'|' | b'_' | b'-'))
        {
            return Err(StoreError::MessageIllegal(format!(
                "topic `{}` contains characters outside [%|a-zA-Z0-9_-]",
                self.topic.escape_default()
            )));
        }
        if self.body.len() > max_body {
            return Err(StoreError::MessageIllegal(format!(
                "body size {} exceeds maxMessageSize {max_body}",
                self.body.len()
            )));
        }
        if self.properties.len() > record::MAX_PROPERTIES_LEN {
            return Err(StoreError::PropertiesSizeExceeded(self.properties.len()));
        }
        Ok(())
    }

    /// Appends the encoded record to `out`. The caller has validated the message.
    pub fn encode_into(
        &self,
        out: &mut Vec<u8>,
        queue_offset: i64,
        physical_offset: i64,
        store_timestamp: i64,
    ) {
        let len = self.record_len();
        out.reserve(len);
        out.extend_from_slice(&(len as i32).to_be_bytes());
        out.extend_from_slice(&MESSAGE_MAGIC_CODE_V1.to_be_bytes());
        out.extend_from_slice(&body_crc(&self.body).to_be_bytes());
        out.extend_from_slice(&self.queue_id.to_be_bytes());
        out.extend_from_slice(&self.flag.to_be_bytes());
        out.extend_from_slice(&queue_offset.to_be_bytes());
        out.extend_from_slice(&physical_offset.to_be_bytes());
        out.extend_from_slice(&self.effective_sys_flag().to_be_bytes());
        out.extend_from_slice(&self.born_timestamp.to_be_bytes());
        put_host(out, &self.born_host);
        out.extend_from_slice(&store_timestamp.to_be_bytes());
        put_host(out, &self.store_host);
        out.extend_from_slice(&self.reconsume_times.to_be_bytes());
        out.extend_from_slice(&self.prepared_transaction_offset.to_be_bytes());
        out.extend_from_slice(&(self.body.len() as i32).to_be_bytes());
        out.extend_from_slice(&self.body);
        out.push(self.topic.len() as u8);
        out.extend_from_slice(self.topic.as_bytes());
        out.extend_from_slice(&(self.properties.len() as i16).to_be_bytes());
        out.extend_from_slice(self.properties.as_bytes());
    }
}

fn extra_host_len(addr: &SocketAddr) -> usize {
    if addr.is_ipv6() {
        12
    } else {
        0
    }
}

fn put_host(out: &mut Vec<u8>, addr: &SocketAddr) {
    match addr.ip() {
        IpAddr::V4(ip) => out.extend_from_slice(&ip.octets()),
        IpAddr::V6(ip) => out.extend_from_slice(&ip.octets()),
    }
    out.extend_from_slice(&(addr.port() as i32).to_be_bytes());
}

/// BODYCRC as Java stores it: `CRC32(body) & 0x7FFFFFFF`.
pub fn body_crc(body: &[u8]) -> i32 {
    (crc32fast::hash(body) & 0x7FFF_FFFF) as i32
}

/// Consume-queue tagsCode for a tag: Java `String.hashCode()` sign-extended; 0 without tags.
pub fn tags_code(tags: Option<&str>) -> i64 {
    match tags {
        Some(t) if !t.is_empty() => i64::from(format::java_string_hash(t)),
        _ => 0,
    }
}

/// The offset message id (`SendMessageResponseHeader.msgId`): 32 hex digits for an IPv4 store host,
/// 56 for IPv6.
pub fn offset_msg_id(store_host: &SocketAddr, physical_offset: u64) -> String {
    match store_host.ip() {
        IpAddr::V4(ip) => {
            format::create_message_id(ip.octets(), u32::from(store_host.port()), physical_offset)
        }
        IpAddr::V6(ip) => {
            let mut buf = Vec::with_capacity(28);
            buf.extend_from_slice(&ip.octets());
            buf.extend_from_slice(&u32::from(store_host.port()).to_be_bytes());
            buf.extend_from_slice(&physical_offset.to_be_bytes());
            hex::encode_upper(buf)
        }
    }
}

/// Encodes properties as `name\x01value\x02…`, without the trailing `\x02` (as 4.9.x writes).
pub fn encode_properties<'a>(props: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = String::new();
    for (k, v) in props {
        if !s.is_empty() {
            s.push(PROPERTY_SEPARATOR);
        }
        s.push_str(k);
        s.push(PROPERTY_NAME_VALUE_SEPARATOR);
        s.push_str(v);
    }
    s
}

/// Decodes a properties string, with or without the trailing `\x02`. Pieces without a `\x01` are
/// ignored, as Java does.
pub fn decode_properties(s: &str) -> HashMap<String, String> {
    s.split(PROPERTY_SEPARATOR)
        .filter_map(|kv| kv.split_once(PROPERTY_NAME_VALUE_SEPARATOR))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Rewrites an encoded properties string: each `(name, Some(value))` replaces that property where
/// it stands (or is appended), each `(name, None)` removes it; the others keep their order.
pub fn edit_properties(props: &str, edits: &[(&str, Option<&str>)]) -> String {
    let mut kept: Vec<(&str, &str)> = props
        .split(PROPERTY_SEPARATOR)
        .filter_map(|kv| kv.split_once(PROPERTY_NAME_VALUE_SEPARATOR))
        .collect();
    for &(name, value) in edits {
        match value {
            Some(v) => match kept.iter_mut().find(|(k, _)| *k == name) {
                Some(slot) => slot.1 = v,
                None => kept.push((name, v)),
            },
            None => kept.retain(|(k, _)| *k != name),
        }
    }
    encode_properties(kept)
}

/// Value of one property in an encoded properties string, without building a map.
pub fn find_property<'a>(props: &'a str, name: &str) -> Option<&'a str> {
    props
        .split(PROPERTY_SEPARATOR)
        .filter_map(|kv| kv.split_once(PROPERTY_NAME_VALUE_SEPARATOR))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The last value of a property in an encoded properties string (a map built from it keeps
/// the last one too).
fn last_property<'a>(props: &'a str, name: &str) -> Option<&'a str> {
    props
        .split(PROPERTY_SEPARATOR)
        .rev()
        .filter_map(|kv| kv.split_once(PROPERTY_NAME_VALUE_SEPARATOR))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Every field of a stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedMessage {
    /// TOTALSIZE: length of the whole record.
    pub store_size: i32,
    /// MAGICCODE (v1 or v2).
    pub magic: u32,
    /// BODYCRC as stored.
    pub body_crc: i32,
    /// QUEUEID.
    pub queue_id: i32,
    /// User FLAG.
    pub flag: i32,
    /// QUEUEOFFSET (consume-queue index).
    pub queue_offset: i64,
    /// PHYSICALOFFSET (this record's commitlog offset).
    pub physical_offset: i64,
    /// SYSFLAG.
    pub sys_flag: i32,
    /// BORNTIMESTAMP.
    pub born_timestamp: i64,
    /// BORNHOST.
    pub born_host: SocketAddr,
    /// STORETIMESTAMP.
    pub store_timestamp: i64,
    /// STOREHOST.
    pub store_host: SocketAddr,
    /// RECONSUMETIMES.
    pub reconsume_times: i32,
    /// PREPARED TRANSACTION OFFSET.
    pub prepared_transaction_offset: i64,
    /// BODY bytes as stored.
    pub body: Vec<u8>,
    /// TOPIC.
    pub topic: String,
    /// The raw properties string.
    pub properties_raw: String,
    /// The decoded properties.
    pub properties: HashMap<String, String>,
}

impl DecodedMessage {
    /// The `TAGS` property.
    pub fn tags(&self) -> Option<&str> {
        self.properties.get(property::TAGS).map(String::as_str)
    }

    /// The `KEYS` property.
    pub fn keys(&self) -> Option<&str> {
        self.properties.get(property::KEYS).map(String::as_str)
    }

    /// Whether the stored CRC matches the body.
    pub fn crc_ok(&self) -> bool {
        body_crc(&self.body) == self.body_crc
    }
}

/// Bounds-checked big-endian reader over a byte slice.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| StoreError::Malformed(format!("truncated at {what} (byte {})", self.pos)))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn i16(&mut self, what: &str) -> Result<i16> {
        Ok(i16::from_be_bytes(
            self.take(2, what)?.try_into().unwrap_or_default(),
        ))
    }
    fn i32(&mut self, what: &str) -> Result<i32> {
        Ok(i32::from_be_bytes(
            self.take(4, what)?.try_into().unwrap_or_default(),
        ))
    }
    fn i64(&mut self, what: &str) -> Result<i64> {
        Ok(i64::from_be_bytes(
            self.take(8, what)?.try_into().unwrap_or_default(),
        ))
    }
    fn host(&mut self, v6: bool, what: &str) -> Result<SocketAddr> {
        let ip: IpAddr = if v6 {
            let b: [u8; 16] = self.take(16, what)?.try_into().unwrap_or_default();
            Ipv6Addr::from(b).into()
        } else {
            let b: [u8; 4] = self.take(4, what)?.try_into().unwrap_or_default();
            Ipv4Addr::from(b).into()
        };
        let port = self.i32(what)?;
        Ok(SocketAddr::new(ip, port as u16))
    }
    fn len_prefixed(&mut self, len: i64, what: &str) -> Result<&'a [u8]> {
        let n = usize::try_from(len)
            .map_err(|_| StoreError::Malformed(format!("negative {what} length {len}")))?;
        self.take(n, what)
    }
}

/// One record borrowed from the bytes it was decoded from: every fixed field, and the body,
/// topic and raw properties as slices. The consume-queue dispatch of replicated records reads
/// them through this, without copying the body or parsing the properties.
#[derive(Debug, Clone, Copy)]
pub struct RecordView<'a> {
    /// TOTALSIZE.
    pub store_size: i32,
    /// MAGICCODE (V1 or V2).
    pub magic: u32,
    /// BODYCRC as stored.
    pub body_crc: i32,
    /// QUEUEID.
    pub queue_id: i32,
    /// User FLAG.
    pub flag: i32,
    /// QUEUEOFFSET.
    pub queue_offset: i64,
    /// PHYSICALOFFSET.
    pub physical_offset: i64,
    /// SYSFLAG.
    pub sys_flag: i32,
    /// BORNTIMESTAMP.
    pub born_timestamp: i64,
    /// BORNHOST.
    pub born_host: SocketAddr,
    /// STORETIMESTAMP.
    pub store_timestamp: i64,
    /// STOREHOST.
    pub store_host: SocketAddr,
    /// RECONSUMETIMES.
    pub reconsume_times: i32,
    /// PREPARED TRANSACTION OFFSET.
    pub prepared_transaction_offset: i64,
    /// BODY bytes.
    pub body: &'a [u8],
    /// TOPIC bytes.
    pub topic: &'a [u8],
    /// PROPERTIES bytes.
    pub properties: &'a [u8],
}

impl<'a> RecordView<'a> {
    /// Decodes one record at the start of `buf` (which may continue past the record).
    ///
    /// Checks the magic and that the field lengths add up to TOTALSIZE; does not check the CRC.
    ///
    /// # Errors
    /// [`StoreError::Malformed`] for a wrong magic, a truncated buffer or inconsistent lengths.
    pub fn parse(buf: &'a [u8]) -> Result<Self> {
        let mut c = Cursor { buf, pos: 0 };
        let store_size = c.i32("TOTALSIZE")?;
        let magic = c.i32("MAGICCODE")? as u32;
        if magic != MESSAGE_MAGIC_CODE_V1 && magic != MESSAGE_MAGIC_CODE_V2 {
            return Err(StoreError::Malformed(format!("bad magic code {magic:#010x}")));
        }
        let total = usize::try_from(store_size)
            .ok()
            .filter(|&t| t <= buf.len())
            .ok_or_else(|| {
                StoreError::Malformed(format!(
                    "TOTALSIZE {store_size} does not fit the {} available bytes",
                    buf.len()
                ))
            })?;
        let mut c = Cursor {
            buf: &buf[..total],
            pos: 8,
        };
        let body_crc = c.i32("BODYCRC")?;
        let queue_id = c.i32("QUEUEID")?;
        let flag = c.i32("FLAG")?;
        let queue_offset = c.i64("QUEUEOFFSET")?;
        let physical_offset = c.i64("PHYSICALOFFSET")?;
        let sys_flag = c.i32("SYSFLAG")?;
        let born_timestamp = c.i64("BORNTIMESTAMP")?;
        let born_host = c.host(sys_flag & sys_flag::BORNHOST_V6 != 0, "BORNHOST")?;
        let store_timestamp = c.i64("STORETIMESTAMP")?;
        let store_host = c.host(sys_flag & sys_flag::STOREHOST_V6 != 0, "STOREHOST")?;
        let reconsume_times = c.i32("RECONSUMETIMES")?;
        let prepared_transaction_offset = c.i64("PREPAREDTRANSACTIONOFFSET")?;
        let body_len = c.i32("BODY length")?;
        let body = c.len_prefixed(i64::from(body_len), "BODY")?;
        let topic_len = if magic == MESSAGE_MAGIC_CODE_V2 {
            i64::from(c.i16("TOPIC length")? as u16)
        } else {
            i64::from(c.take(1, "TOPIC length")?[0])
        };
        let topic = c.len_prefixed(topic_len, "TOPIC")?;
        let props_len = c.i16("PROPERTIES length")?;
        let properties = c.len_prefixed(i64::from(props_len), "PROPERTIES")?;
        if c.pos != total {
            return Err(StoreError::Malformed(format!(
                "fields end at byte {} but TOTALSIZE is {total}",
                c.pos
            )));
        }
        Ok(RecordView {
            store_size,
            magic,
            body_crc,
            queue_id,
            flag,
            queue_offset,
            physical_offset,
            sys_flag,
            born_timestamp,
            born_host,
            store_timestamp,
            store_host,
            reconsume_times,
            prepared_transaction_offset,
            body,
            topic,
            properties,
        })
    }

    /// The topic (lossily decoded, as `decode_record` does).
    pub fn topic(&self) -> std::borrow::Cow<'a, str> {
        String::from_utf8_lossy(self.topic)
    }

    /// The `TAGS` property: the last one if repeated, as [`DecodedMessage::tags`] has it.
    pub fn tags(&self) -> Option<std::borrow::Cow<'a, str>> {
        use std::borrow::Cow;
        match String::from_utf8_lossy(self.properties) {
            Cow::Borrowed(props) => last_property(props, property::TAGS).map(Cow::Borrowed),
            Cow::Owned(props) => last_property(&props, property::TAGS).map(|v| Cow::Owned(v.to_owned())),
        }
    }

    /// The owned form, with the properties parsed.
    pub fn to_decoded(&self) -> DecodedMessage {
        let properties_raw = String::from_utf8_lossy(self.properties).into_owned();
        let properties = decode_properties(&properties_raw);
        DecodedMessage {
            store_size: self.store_size,
            magic: self.magic,
            body_crc: self.body_crc,
            queue_id: self.queue_id,
            flag: self.flag,
            queue_offset: self.queue_offset,
            physical_offset: self.physical_offset,
            sys_flag: self.sys_flag,
            born_timestamp: self.born_timestamp,
            born_host: self.born_host,
            store_timestamp: self.store_timestamp,
            store_host: self.store_host,
            reconsume_times: self.reconsume_times,
            prepared_transaction_offset: self.prepared_transaction_offset,
            body: self.body.to_vec(),
            topic: self.topic().into_owned(),
            properties_raw,
            properties,
        }
    }
}

/// Decodes one record at the start of `buf` (which may continue past the record).
///
/// Checks the magic and that the field lengths add up to TOTALSIZE; does not check the CRC (see
/// [`DecodedMessage::crc_ok`]).
///
/// # Errors
/// [`StoreError::Malformed`] for a wrong magic, a truncated buffer or inconsistent lengths.
pub fn decode_record(buf: &[u8]) -> Result<DecodedMessage> {
    RecordView::parse(buf).map(|v| v.to_decoded())
}

/// Decodes every record of a concatenation (a PULL body or a commitlog range without blanks).
///
/// # Errors
/// The first record that fails [`decode_record`].
pub fn decode_records(mut buf: &[u8]) -> Result<Vec<DecodedMessage>> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let m = decode_record(buf)?;
        buf = &buf[m.store_size as usize..];
        out.push(m);
    }
    Ok(out)
}

/// One message of a SEND_BATCH_MESSAGE body, borrowed from the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchEntry<'a> {
    /// User flag.
    pub flag: i32,
    /// Message body.
    pub body: &'a [u8],
    /// Encoded properties string.
    pub properties: &'a str,
}

/// Fixed bytes of a batch entry: TOTALSIZE, MAGIC, BODYCRC, FLAG, body length, properties length.
const BATCH_ENTRY_FIXED: usize = 4 + 4 + 4 + 4 + 4 + 2;

/// Splits a SEND_BATCH_MESSAGE body (`MessageDecoder.encodeMessages`) into its entries.
///
/// Never panics and allocates only the returned vector, which is bounded by the input length.
///
/// # Errors
/// [`StoreError::Malformed`] naming the entry and what was wrong; an empty body is malformed too.
pub fn decode_batch(body: &[u8]) -> Result<Vec<BatchEntry<'_>>> {
    if body.is_empty() {
        return Err(StoreError::Malformed("empty batch body".into()));
    }
    let mut out = Vec::with_capacity((body.len() / BATCH_ENTRY_FIXED).min(1024));
    let mut pos = 0;
    while pos < body.len() {
        let idx = out.len();
        let bad = |why: String| StoreError::Malformed(format!("batch entry {idx} at byte {pos}: {why}"));
        let rest = &body[pos..];
        if rest.len() < BATCH_ENTRY_FIXED {
            return Err(bad(format!("only {} bytes left", rest.len())));
        }
        let mut c = Cursor { buf: rest, pos: 0 };
        let total = c.i32("TOTALSIZE")?;
        let total = usize::try_from(total)
            .ok()
            .filter(|&t| (BATCH_ENTRY_FIXED..=rest.len()).contains(&t))
            .ok_or_else(|| bad(format!("TOTALSIZE {total} out of range")))?;
        let mut c = Cursor {
            buf: &rest[..total],
            pos: 4,
        };
        let _magic = c.i32("MAGICCODE")?;
        let _crc = c.i32("BODYCRC")?;
        let flag = c.i32("FLAG")?;
        let body_len = c.i32("body length")?;
        let msg_body = c
            .len_prefixed(i64::from(body_len), "body")
            .map_err(|e| bad(e.to_string()))?;
        let props_len = c.i16("properties length").map_err(|e| bad(e.to_string()))?;
        let props = c
            .len_prefixed(i64::from(props_len), "properties")
            .map_err(|e| bad(e.to_string()))?;
        if c.pos != total {
            return Err(bad(format!("fields end at {} but TOTALSIZE is {total}", c.pos)));
        }
        let properties = std::str::from_utf8(props).map_err(|_| bad("properties are not UTF-8".into()))?;
        out.push(BatchEntry {
            flag,
            body: msg_body,
            properties,
        });
        pos += total;
    }
    Ok(out)
}

/// Turns a SEND_BATCH_MESSAGE body into messages that share `template`'s topic, queue, sysflag,
/// timestamps and hosts; each takes its flag, body and properties from its entry, and its tagsCode
/// from its `TAGS` property.
///
/// # Errors
/// As [`decode_batch`].
pub fn messages_from_batch(body: &[u8], template: &MessageToStore) -> Result<Vec<MessageToStore>> {
    Ok(decode_batch(body)?
        .into_iter()
        .map(|e| MessageToStore {
            flag: e.flag,
            body: e.body.to_vec(),
            properties: e.properties.to_owned(),
            tags_code: tags_code(find_property(e.properties, property::TAGS)),
            topic: template.topic.clone(),
            ..template.clone()
        })
        .collect())
}

/// Builds a SEND_BATCH_MESSAGE body from entries (the client side; used by tests and tools).
pub fn encode_batch(entries: &[BatchEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let total = BATCH_ENTRY_FIXED + e.body.len() + e.properties.len();
        out.extend_from_slice(&(total as i32).to_be_bytes());
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&e.flag.to_be_bytes());
        out.extend_from_slice(&(e.body.len() as i32).to_be_bytes());
        out.extend_from_slice(e.body);
        out.extend_from_slice(&(e.properties.len() as i16).to_be_bytes());
        out.extend_from_slice(e.properties.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(body: &[u8], props: &str) -> MessageToStore {
        MessageToStore {
            topic: "T".into(),
            queue_id: 1,
            flag: 3,
            sys_flag: 0,
            born_timestamp: 11,
            born_host: "10.0.0.1:5555".parse().unwrap(),
            store_host: "[::1]:10911".parse().unwrap(),
            reconsume_times: 2,
            prepared_transaction_offset: 0,
            body: body.to_vec(),
            properties: props.into(),
            tags_code: 0,
        }
    }

    #[test]
    fn record_round_trips_with_v6_store_host() {
        let m = msg(b"hello", &encode_properties([("TAGS", "a"), ("KEYS", "k1 k2")]));
        let mut buf = Vec::new();
        m.encode_into(&mut buf, 7, 1234, 99);
        assert_eq!(buf.len(), m.record_len());
        assert_eq!(buf.len(), 91 + 12 + 5 + 1 + m.properties.len());
        let d = decode_record(&buf).unwrap();
        assert_eq!(d.queue_offset, 7);
        assert_eq!(d.physical_offset, 1234);
        assert_eq!(d.store_timestamp, 99);
        assert_eq!(d.store_host, m.store_host);
        assert_eq!(d.born_host, m.born_host);
        assert_eq!(d.sys_flag, sys_flag::STOREHOST_V6);
        assert_eq!(d.tags(), Some("a"));
        assert_eq!(d.keys(), Some("k1 k2"));
        assert!(d.crc_ok());
        assert!(decode_record(&buf[..buf.len() - 1]).is_err());
    }

    #[test]
    fn properties_accept_trailing_separator() {
        let p = decode_properties("A\u{1}1\u{2}B\u{1}2\u{2}");
        assert_eq!(p.len(), 2);
        assert_eq!(p["B"], "2");
        assert_eq!(encode_properties([("A", "1"), ("B", "2")]), "A\u{1}1\u{2}B\u{1}2");
        assert_eq!(find_property("A\u{1}1\u{2}TAGS\u{1}x", "TAGS"), Some("x"));
    }

    #[test]
    fn validation_gives_typed_errors() {
        assert!(matches!(
            msg(&[0; 11], "").validate(10),
            Err(StoreError::MessageIllegal(_))
        ));
        let big = "x".repeat(32768);
        assert!(matches!(
            msg(b"", &big).validate(10),
            Err(StoreError::PropertiesSizeExceeded(32768))
        ));
        let mut m = msg(b"", "");
        m.topic = "t".repeat(128);
        assert!(matches!(m.validate(10), Err(StoreError::MessageIllegal(_))));
        for bad in ["../x", "a/b", "a b", ".", ""] {
            m.topic = bad.into();
            assert!(
                matches!(m.validate(10), Err(StoreError::MessageIllegal(_))),
                "{bad}"
            );
        }
        m.topic = "%RETRY%group-1|x_y".into();
        m.validate(10).unwrap();
    }

    #[test]
    fn batch_round_trips() {
        let entries = [
            BatchEntry {
                flag: 1,
                body: b"one",
                properties: "TAGS\u{1}a",
            },
            BatchEntry {
                flag: 2,
                body: b"",
                properties: "",
            },
        ];
        let body = encode_batch(&entries);
        assert_eq!(decode_batch(&body).unwrap(), entries);
        let msgs = messages_from_batch(&body, &msg(b"", "")).unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!((msgs[0].flag, msgs[0].body.as_slice()), (1, &b"one"[..]));
        assert_eq!(msgs[0].tags_code, tags_code(Some("a")));
        assert_eq!((msgs[1].tags_code, msgs[1].queue_id), (0, 1));
    }

    #[test]
    fn malformed_batches_are_rejected_without_panicking() {
        let good = encode_batch(&[BatchEntry {
            flag: 1,
            body: b"abc",
            properties: "K\u{1}v",
        }]);
        assert!(decode_batch(&[]).is_err());
        // Every truncation is an error.
        for n in 1..good.len() {
            assert!(decode_batch(&good[..n]).is_err(), "prefix {n}");
        }
        // Absurd sizes are rejected before any allocation of that size.
        let mut huge = good.clone();
        huge[0..4].copy_from_slice(&i32::MAX.to_be_bytes());
        assert!(decode_batch(&huge).is_err());
        let mut neg_body = good.clone();
        neg_body[16..20].copy_from_slice(&(-5i32).to_be_bytes());
        assert!(decode_batch(&neg_body).is_err());
        let mut big_body = good.clone();
        big_body[16..20].copy_from_slice(&1000i32.to_be_bytes());
        assert!(decode_batch(&big_body).is_err());
        let mut trailing = good.clone();
        trailing.extend_from_slice(&[0, 0]);
        assert!(decode_batch(&trailing).is_err());
        // Pseudo-random garbage never panics.
        let mut x: u32 = 12345;
        for _ in 0..2000 {
            let mut g = good.clone();
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let i = (x as usize) % g.len();
            g[i] ^= (x >> 16) as u8 | 1;
            let _ = decode_batch(&g);
            let _ = decode_record(&g);
        }
    }
}
