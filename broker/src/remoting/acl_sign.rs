//! Request signatures of RocketMQ 4.x ACL ("plain ACL"): what a client adds to each request so
//! that a broker with `aclEnable=true` knows who sent it and that the request was not altered.
//!
//! The scheme is the Java client's ACL hook, which other clients (ali-ons, the Go and C++
//! clients) copy: the client adds `AccessKey` (and an optional `SecurityToken`) to the request's
//! ext fields, sorts every ext field by name, concatenates the *values* (names are not signed)
//! in that order, appends the body bytes, and puts the HMAC-SHA1 of that content under its
//! secret key, base64-encoded, in the `Signature` ext field. The broker rebuilds the content
//! from what it received (every field but `Signature`) and compares.
//!
//! It lives here, beside the frame codec, because both sides need it: the client signs in
//! [`super::RemotingClient`] (the one place frames are sent), the broker's ACL check verifies.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::command::RemotingCommand;
use super::custom_header::ExtFields;

/// The ext field naming the account.
pub const ACCESS_KEY: &str = "AccessKey";
/// The ext field holding the signature.
pub const SIGNATURE: &str = "Signature";
/// The optional ext field of a temporary credential (signed like any other field).
pub const SECURITY_TOKEN: &str = "SecurityToken";
/// The flag QUERY_MESSAGE carries for a query by unique key. Clients up to 4.9.3 added it after
/// signing, later ones before, so a broker accepts a signature made with or without it.
pub const UNIQUE_MSG_QUERY_FLAG: &str = "_UNIQUE_KEY_QUERY";

/// An account's credentials, as a client signs with them. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account name (`accessKey` in plain_acl.yml).
    pub access_key: String,
    /// The shared secret (`secretKey`).
    pub secret_key: String,
    /// Sent and signed when set.
    pub security_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

/// The names of `fields` whose values are signed, in signing order: sorted as Java's
/// `TreeMap<String, _>` sorts them (by UTF-16 code unit), without `Signature` and the names in
/// `skip`.
fn signed_names<'a>(fields: &'a ExtFields, skip: &[&str]) -> Vec<&'a String> {
    let mut names: Vec<&String> = fields
        .keys()
        .filter(|k| k.as_str() != SIGNATURE && !skip.contains(&k.as_str()))
        .collect();
    names.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    names
}

/// The signed content: the values of `fields` in signing order, then the body. (The signature
/// functions below feed the same bytes to the HMAC without building this copy.)
pub fn content(fields: &ExtFields, body: &[u8], skip: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for k in signed_names(fields, skip) {
        out.extend_from_slice(fields[k].as_bytes());
    }
    out.extend_from_slice(body);
    out
}

fn hmac(secret_key: &str) -> Hmac<Sha1> {
    <Hmac<Sha1> as Mac>::new_from_slice(secret_key.as_bytes()).expect("HMAC accepts any key length")
}

/// The HMAC of a request's signed content (see [`content`]).
fn request_mac(fields: &ExtFields, body: &[u8], skip: &[&str], secret_key: &str) -> Hmac<Sha1> {
    let mut mac = hmac(secret_key);
    for k in signed_names(fields, skip) {
        mac.update(fields[k].as_bytes());
    }
    mac.update(body);
    mac
}

/// HMAC-SHA1 of `content` under `secret_key`, base64 (standard alphabet, padded): Java's
/// `AclSigner.calSignature`.
pub fn signature(content: &[u8], secret_key: &str) -> String {
    let mut mac = hmac(secret_key);
    mac.update(content);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `given` is the signature of the request made of `fields` (less `skip`) and `body`
/// under `secret_key`, compared in constant time.
pub fn verify(fields: &ExtFields, body: &[u8], skip: &[&str], secret_key: &str, given: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(given) else {
        return false;
    };
    request_mac(fields, body, skip, secret_key)
        .verify_slice(&given)
        .is_ok()
}

/// Signs `request` as Java's ACL client hook does: adds `AccessKey` (and `SecurityToken`), then
/// `Signature` over every ext field and the body. Signing twice gives the same fields.
pub fn sign(request: &mut RemotingCommand, credentials: &Credentials) {
    request.ext_fields.remove(SIGNATURE);
    request
        .ext_fields
        .insert(ACCESS_KEY.to_string(), credentials.access_key.clone());
    if let Some(token) = &credentials.security_token {
        request
            .ext_fields
            .insert(SECURITY_TOKEN.to_string(), token.clone());
    }
    let mac = request_mac(&request.ext_fields, &request.body, &[], &credentials.secret_key);
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    request.ext_fields.insert(SIGNATURE.to_string(), sig);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_sorts_by_name_and_signs_values_then_body() {
        let mut f = ExtFields::new();
        f.insert("b".into(), "2".into());
        f.insert("AccessKey".into(), "ak".into());
        f.insert("a".into(), "1".into());
        f.insert(SIGNATURE.into(), "old".into());
        // Upper case sorts before lower case (UTF-16 order), the signature is left out.
        assert_eq!(content(&f, b"BODY", &[]), b"ak12BODY");
        assert_eq!(content(&f, b"", &["a"]), b"ak2");
    }

    #[test]
    fn signature_is_hmac_sha1_base64() {
        // RFC 2202 test case 2.
        assert_eq!(
            signature(b"what do ya want for nothing?", "Jefe"),
            "7/zfauXrL6LSdBbV8YTfnCWafHk="
        );
        let mut f = ExtFields::new();
        f.insert("k".into(), "what do ya ".into());
        let body = b"want for nothing?";
        let sig = "7/zfauXrL6LSdBbV8YTfnCWafHk=";
        assert!(verify(&f, body, &[], "Jefe", sig));
        assert!(!verify(&f, b"want for nothing!", &[], "Jefe", sig));
        assert!(!verify(&f, body, &["k"], "Jefe", sig));
        assert!(!verify(&f, body, &[], "Jefe", "not base64 !"));
    }

    #[test]
    fn sign_adds_the_fields_and_is_repeatable() {
        let creds = Credentials {
            access_key: "rocketmq2".into(),
            secret_key: "12345678".into(),
            security_token: Some("tok".into()),
        };
        let mut req = RemotingCommand::request_empty(10).with_body(&b"hi"[..]);
        req.ext_fields.insert("topic".into(), "T".into());
        sign(&mut req, &creds);
        let first = req.ext_fields.clone();
        assert_eq!(first[ACCESS_KEY], "rocketmq2");
        assert_eq!(first[SECURITY_TOKEN], "tok");
        let expected = signature(b"rocketmq2tokThi", "12345678");
        assert_eq!(first[SIGNATURE], expected);
        sign(&mut req, &creds);
        assert_eq!(req.ext_fields, first);
    }
}
