//! Writes a classic store of a given size through the store API, for `bench/restart.sh`: a
//! broker's store as a producer would have left it (1 KiB bodies with `UNIQ_KEY`, keys and tags,
//! round-robin over the topic's queues, consume queues and key index built as it goes), written
//! in minutes rather than the time a network producer needs.
//!
//! Usage: `fill_store <storePathRootDir> <bytes> [topic] [queues]` (defaults: `RestartBench`, 8).
//! The store uses the broker's default file sizes, so a broker started with defaults serves it.
//! Prints the commitlog end offset on stdout; progress goes to stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Instant;

use broker::store::message::{encode_properties, tags_code, MessageToStore};
use broker::store::{MessageStore, StoreConfig};

const BODY: usize = 1024;
const BATCH: usize = 32;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(root), Some(bytes)) = (args.first(), args.get(1).and_then(|b| b.parse::<u64>().ok())) else {
        eprintln!("usage: fill_store <storePathRootDir> <bytes> [topic] [queues]");
        return ExitCode::from(2);
    };
    let topic = args.get(2).cloned().unwrap_or_else(|| "RestartBench".into());
    let queues: i32 = args.get(3).and_then(|q| q.parse().ok()).unwrap_or(8);
    match fill(root, bytes, &topic, queues) {
        Ok(end) => {
            println!("{end}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fill_store: {e}");
            ExitCode::from(1)
        }
    }
}

fn fill(root: &str, bytes: u64, topic: &str, queues: i32) -> Result<u64, broker::store::StoreError> {
    let host = "127.0.0.1:10911".parse().expect("literal address");
    let store = MessageStore::open(StoreConfig::new(root, host))?;
    let started = Instant::now();
    let mut n: u64 = 0;
    let mut q = 0;
    let mut next_report = 1u64 << 30;
    let body = vec![b'x'; BODY];
    while store.commitlog_max_offset() < bytes {
        let msgs = (0..BATCH)
            .map(|_| {
                n += 1;
                let uniq = format!("7F00000100002A9F0000{n:012X}");
                let keys = format!("order-{n}");
                MessageToStore {
                    topic: topic.into(),
                    queue_id: q,
                    flag: 0,
                    sys_flag: 0,
                    born_timestamp: 1_700_000_000_000,
                    born_host: "127.0.0.1:40000".parse().expect("literal address"),
                    store_host: host,
                    reconsume_times: 0,
                    prepared_transaction_offset: 0,
                    body: body.clone(),
                    properties: encode_properties([
                        ("UNIQ_KEY", uniq.as_str()),
                        ("KEYS", keys.as_str()),
                        ("TAGS", "TagA"),
                        ("WAIT", "true"),
                    ]),
                    tags_code: tags_code(Some("TagA")),
                }
            })
            .collect();
        store.put_messages_nowait(msgs)?;
        q = (q + 1) % queues;
        let end = store.commitlog_max_offset();
        if end >= next_report {
            eprintln!(
                "fill_store: {} MiB, {n} messages, {:.1} s",
                end >> 20,
                started.elapsed().as_secs_f64()
            );
            next_report += 1 << 30;
        }
    }
    let end = store.commitlog_max_offset();
    store.shutdown()?;
    Ok(end)
}
